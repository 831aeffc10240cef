package dev.corral.activities.store.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded MariaDB's life: it never outlives the JVM that started it, a server an earlier run
 * left on the data dir is stopped (and nothing that merely looks like one is touched), and a server
 * that dies is started again with its data. Each test runs its own server in its own directory; the
 * JVMs that must die are separate processes.
 */
class EmbeddedMariaDbTest {
  private static final Duration WITHIN = Duration.ofSeconds(30);
  private final List<Process> children = new ArrayList<>();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
    for (Process p : children) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  @Test
  void killMinus9OfTheJvmThatStartedIt_stopsTheServer() throws Exception {
    Path home = TestDirs.fresh("mariadb-jvm-dies");
    Process jvm = startInChildJvm(home);
    ProcessHandle server = serverOf(jvm);

    jvm.destroyForcibly();

    assertTrue(exits(server, WITHIN), "mariadbd outlived the JVM that started it");
  }

  @Test
  void aServerLeftOnTheDataDir_isStopped_andItsDataServedByTheNewOne() throws Exception {
    Path home = TestDirs.fresh("mariadb-leftover");
    Process jvm = startInChildJvm(home);
    ProcessHandle left = serverOf(jvm);
    // What the child wrote before it died must survive the handover.
    try (Connection c =
            DriverManager.getConnection(
                jdbcUrlOf(jvm),
                DatabaseCredentials.USER,
                DatabaseCredentials.read(home.toAbsolutePath()).password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE corral.kept (n INT)");
      s.execute("INSERT INTO corral.kept VALUES (42)");
    }
    // The JVM and its watchdog die, the server does not: as if started before the watchdog existed.
    jvm.toHandle()
        .descendants()
        .filter(p -> p.pid() != left.pid())
        .forEach(ProcessHandle::destroyForcibly);
    jvm.destroyForcibly();
    jvm.waitFor(10, TimeUnit.SECONDS);
    assertTrue(left.isAlive(), "the test meant to leave the server behind");

    EmbeddedMariaDb server = EmbeddedMariaDb.start(home);
    toClose.add(server);

    assertFalse(left.isAlive(), "the leftover server was stopped");
    assertKept(server, 42);
  }

  @Test
  void processesThatMerelyLookLikeALeftoverServer_areNeverTouched() throws Exception {
    Path home = TestDirs.fresh("mariadb-lookalikes");
    Path dataDir = home.toAbsolutePath().normalize().resolve("data");
    Files.createDirectories(dataDir);
    // A program called mariadbd that serves another data dir, and a shell whose arguments name this
    // data dir.
    Path fakeServer = home.resolve("mariadbd");
    Files.copy(Path.of("/bin/sh"), fakeServer);
    Files.setPosixFilePermissions(fakeServer, PosixFilePermissions.fromString("rwx------"));
    Process otherDataDir = sleeper(fakeServer.toString(), "--datadir=/somewhere/else");
    Process notAServer = sleeper("/bin/sh", "--datadir=" + dataDir);
    // Both named by pid files where a leftover server's would be.
    Files.writeString(home.resolve("mariadbd.pid"), otherDataDir.pid() + "\n");
    Files.writeString(dataDir.resolve("host.pid"), notAServer.pid() + "\n");

    EmbeddedMariaDb server = EmbeddedMariaDb.start(home);
    toClose.add(server);

    assertTrue(otherDataDir.isAlive(), "a mariadbd of another data dir was touched");
    assertTrue(notAServer.isAlive(), "a process that is not mariadbd was touched");
    assertTrue(server.running());
  }

  @Test
  void aServerThatDies_isStartedAgainOnItsPort_withItsData_andCounted() throws Exception {
    EmbeddedMariaDb server = EmbeddedMariaDb.start(TestDirs.fresh("mariadb-supervised"));
    toClose.add(server);
    MariaDbSupervisor supervisor = MariaDbSupervisor.watch(server, Clock.systemUTC());
    toClose.add(0, supervisor);
    try (Connection c = connect(server);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kept (n INT)");
      s.execute("INSERT INTO kept VALUES (7)");
    }

    for (int death = 1; death <= 2; death++) {
      ProcessHandle dying = server.serverProcess().orElseThrow();
      dying.destroyForcibly();
      assertTrue(exits(dying, WITHIN));
      long deadline = System.nanoTime() + WITHIN.toNanos();
      while (supervisor.restarts() < death && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(death, supervisor.restarts(), "restarted after death " + death);
      assertTrue(supervisor.status().up());
      assertTrue(
          supervisor.status().lastExit().startsWith("killed by signal 9"),
          supervisor.status().lastExit());
    }
    assertKept(server, 7);
  }

  @Test
  void stopServer_thenRestart_servesTheSameDataOnTheSamePort() throws Exception {
    EmbeddedMariaDb server = EmbeddedMariaDb.start(TestDirs.fresh("mariadb-restart"));
    toClose.add(server);
    server.stopServer();
    assertFalse(server.running());
    try {
      connect(server).close();
      throw new AssertionError("a stopped server accepted a connection");
    } catch (SQLException expected) {
      // refused: nothing listens on the port
    }

    server.restart();

    assertTrue(server.running());
    connect(server).close();
  }

  private static Connection connect(EmbeddedMariaDb server) throws SQLException {
    return DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
  }

  /** The server still has the row the test wrote before it was killed. */
  private static void assertKept(EmbeddedMariaDb server, int n) throws SQLException {
    try (Connection c = connect(server);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("SELECT n FROM kept")) {
      assertTrue(rows.next(), "the table kept is empty");
      assertEquals(n, rows.getInt(1));
    }
  }

  /**
   * A JVM that starts an embedded MariaDB in {@code home}, prints its JDBC URL and waits to be
   * killed.
   */
  private Process startInChildJvm(Path home) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                EmbeddedMariaDbChild.class.getName(),
                home.toAbsolutePath().toString())
            .redirectErrorStream(true)
            .start();
    children.add(child);
    String url = EmbeddedMariaDbChild.awaitUrl(child, Duration.ofSeconds(120));
    urls.put(child, url);
    return child;
  }

  private final java.util.Map<Process, String> urls = new java.util.HashMap<>();

  private String jdbcUrlOf(Process child) {
    return urls.get(child);
  }

  private static ProcessHandle serverOf(Process jvm) {
    return jvm.toHandle()
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/mariadbd")).orElse(false))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no mariadbd under the child JVM"));
  }

  private Process sleeper(String shell, String argument) throws IOException {
    Process p = new ProcessBuilder(shell, "-c", "sleep 600; exit 0", "lookalike", argument).start();
    children.add(p);
    return p;
  }

  private static boolean exits(ProcessHandle process, Duration within) throws InterruptedException {
    try {
      process.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }
}
