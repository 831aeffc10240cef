package dev.corral.web;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Corral as a separate JVM ({@code Main serve --config FILE}) on the test's classpath, for tests
 * that kill it with -9: an in-process app cannot die without taking the test along. Its output goes
 * to a log file.
 */
final class CorralProcess implements AutoCloseable {
  private final Process process;

  private CorralProcess(Process process) {
    this.process = process;
  }

  /**
   * {@code corral serve} as a shell starts it: SIGHUP at its default even when the tests run under
   * nohup, which would otherwise be inherited and make the JVM ignore it.
   */
  static CorralProcess start(Path config, Path log) throws IOException {
    return start(config, log, "--default-signal=HUP");
  }

  /** {@code corral serve} as {@code nohup} starts it: SIGHUP ignored. */
  static CorralProcess startIgnoringHangUp(Path config, Path log) throws IOException {
    return start(config, log, "--ignore-signal=HUP");
  }

  private static CorralProcess start(Path config, Path log, String hangUp) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                "env",
                hangUp,
                java,
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.corral.web.Main",
                "serve",
                "--config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    return new CorralProcess(p);
  }

  /** Waits until the API answers; fails when the process exits first. */
  CorralProcess awaitUp(Http http, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("Corral exited at start-up with " + process.exitValue());
      }
      try {
        if (http.get("/v1/pools").status() == 200) {
          return this;
        }
      } catch (IllegalStateException notYet) {
        // connection refused while it starts
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Corral did not start within " + within);
  }

  /** kill -9: no shutdown hook runs, nothing is flushed or closed. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("Corral did not die");
    }
  }

  /**
   * The embedded MariaDB server this Corral runs (a grandchild, under its watchdog shell), while it
   * runs.
   */
  java.util.Optional<ProcessHandle> embeddedDatabase() {
    return process
        .descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/mariadbd")).orElse(false))
        .findFirst();
  }

  /**
   * kill -9 of Corral and of the watchdog that would stop its database: the database is left
   * running, holding the data dir, as a server started before the watchdog existed (or killed with
   * its whole process group but for the database) would be.
   */
  void killLeavingDatabase() throws InterruptedException {
    List<ProcessHandle> watchdogs =
        process
            .children()
            .filter(
                p ->
                    p.info()
                        .arguments()
                        .map(a -> String.join(" ", a).contains("mariadbd-watchdog.sh"))
                        .orElse(false))
            .toList();
    ProcessHandle database =
        embeddedDatabase().orElseThrow(() -> new AssertionError("no embedded MariaDB runs"));
    for (ProcessHandle watchdog : watchdogs) {
      // The shells first: the one that waits on the pipe sends SIGTERM to the database as soon as
      // its cat ends.
      List<ProcessHandle> helpers =
          watchdog.descendants().filter(p -> p.pid() != database.pid()).toList();
      watchdog.destroyForcibly();
      helpers.stream()
          .filter(p -> !p.info().command().orElse("").endsWith("cat"))
          .forEach(ProcessHandle::destroyForcibly);
      helpers.forEach(ProcessHandle::destroyForcibly);
    }
    kill();
    if (!database.isAlive()) {
      throw new AssertionError(
          "the database died with its watchdog; the test wanted it left behind");
    }
  }

  /** kill -9 of Corral and of its database at once. */
  void killWithDatabase() throws InterruptedException {
    embeddedDatabase().ifPresent(ProcessHandle::destroyForcibly);
    kill();
  }

  /** Sends SIGHUP (a config reload) the way an operator does, with kill. */
  void hangUp() throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new AssertionError("kill -HUP failed with " + kill.exitValue());
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
