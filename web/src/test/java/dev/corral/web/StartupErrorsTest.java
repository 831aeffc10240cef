package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code corral serve} with a database or Temporal address where nothing listens exits non-zero
 * within a bounded time, with one line naming the key and the address, and no stack trace on
 * stdout.
 */
class StartupErrorsTest {

  @Test
  void anUnreachableDatabaseOrTemporal_endsStartUpWithOneLineNamingTheKeyAndAddress()
      throws Exception {
    int dbPort = CorralProcess.freePort();
    int temporalPort = CorralProcess.freePort();
    Path dir = TestDirs.fresh("startup-errors");
    Path badDb =
        write(
            dir.resolve("bad-db.yaml"),
            """
        data_dir: %s
        server: {port: 0}
        database: {url: "jdbc:mariadb://127.0.0.1:%d/corral?password=hunter2", user: corral, password: db-pw}
        """
                .formatted(dir.resolve("db"), dbPort));
    Path badTemporal =
        write(
            dir.resolve("bad-temporal.yaml"),
            """
        data_dir: %s
        server: {port: 0}
        temporal: {address: "127.0.0.1:%d"}
        """
                .formatted(dir.resolve("temporal"), temporalPort));

    // Both at once: each spends most of its time waiting for its connect timeout.
    Process db = corral(badDb, dir.resolve("db.out"), dir.resolve("db.err"));
    Process temporal =
        corral(badTemporal, dir.resolve("temporal.out"), dir.resolve("temporal.err"));
    long started = System.nanoTime();
    assertTrue(db.waitFor(60, TimeUnit.SECONDS), "Corral gave up on the database in time");
    assertTrue(temporal.waitFor(60, TimeUnit.SECONDS), "Corral gave up on Temporal in time");
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(60));

    assertNotEquals(0, db.exitValue());
    String dbErr = Files.readString(dir.resolve("db.err"));
    assertTrue(
        dbErr.contains(
            "corral: could not start: database.url: cannot connect to the database at 127.0.0.1:"
                + dbPort
                + " within 15 s"),
        dbErr);
    assertFalse(dbErr.contains("hunter2") || dbErr.contains("db-pw"), "no password in the output");
    assertNoStackTrace(Files.readString(dir.resolve("db.out")));

    assertNotEquals(0, temporal.exitValue());
    String temporalErr = Files.readString(dir.resolve("temporal.err"));
    assertTrue(
        temporalErr.contains(
            "corral: could not start: temporal.address: cannot connect to Temporal at 127.0.0.1:"
                + temporalPort
                + " within 15 s"),
        temporalErr);
    assertNoStackTrace(Files.readString(dir.resolve("temporal.out")));
  }

  private static void assertNoStackTrace(String stdout) {
    assertFalse(
        stdout.contains("\tat ") || stdout.contains("Exception"),
        "stdout has a stack trace:\n" + stdout);
  }

  private static Path write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.writeString(file, text);
  }

  private static Process corral(Path config, Path out, Path err) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-Xmx384m",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.corral.web.Main",
            "serve",
            "--config",
            config.toString())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
  }
}
