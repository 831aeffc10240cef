package dev.corral.activities.store.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of {@code mariadbd}, started under a small shell watchdog that stops it when this JVM
 * goes away (see {@code mariadbd-watchdog.sh}): a kill -9 of Corral no longer leaves a server
 * holding the data dir.
 */
final class MariaDbProcess {
  private static final Logger log = LoggerFactory.getLogger(MariaDbProcess.class);
  private static final String READY = ": ready for connections.";
  private static final int KEPT_LINES = 30;

  private final Process watchdog;
  private final Deque<String> lastLines = new ArrayDeque<>();
  private final CountDownLatch ready = new CountDownLatch(1);

  private MariaDbProcess(Process watchdog) {
    this.watchdog = watchdog;
  }

  /**
   * Starts {@code command} (the server and its arguments) and waits until the server accepts
   * connections.
   *
   * @throws IllegalStateException when it exits first or is not ready within {@code within}; its
   *     last lines of output are in the message
   */
  static MariaDbProcess start(
      Path script,
      List<String> command,
      Path workDir,
      String libraryVariable,
      Path libDir,
      Duration within) {
    ProcessBuilder builder = new ProcessBuilder();
    builder.command().add("/bin/sh");
    builder.command().add(script.toString());
    builder.command().addAll(command);
    builder.directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().put(libraryVariable, libDir.toString());
    MariaDbProcess server;
    try {
      server = new MariaDbProcess(builder.start());
    } catch (IOException e) {
      throw new UncheckedIOException("could not run /bin/sh to start the embedded MariaDB", e);
    }
    Thread output =
        new Thread(() -> server.readOutput(server.watchdog.getInputStream()), "mariadbd-output");
    output.setDaemon(true);
    output.start();
    server.awaitReady(within);
    return server;
  }

  private void awaitReady(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    try {
      while (!ready.await(100, TimeUnit.MILLISECONDS)) {
        if (!watchdog.isAlive()) {
          throw new IllegalStateException(
              "the embedded MariaDB exited with status "
                  + watchdog.exitValue()
                  + " while starting; its last words:\n"
                  + lastLines());
        }
        if (System.nanoTime() > deadline) {
          stop(Duration.ofSeconds(10));
          throw new IllegalStateException(
              "the embedded MariaDB was not ready within "
                  + within.toSeconds()
                  + " s; its last words:\n"
                  + lastLines());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(Duration.ofSeconds(10));
      throw new IllegalStateException("interrupted while the embedded MariaDB started", e);
    }
  }

  /**
   * The server's output goes to the log: its errors at WARN, the rest (start-up chatter, notes) at
   * DEBUG.
   */
  private void readOutput(InputStream output) {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        synchronized (lastLines) {
          if (lastLines.size() == KEPT_LINES) {
            lastLines.removeFirst();
          }
          lastLines.addLast(line);
        }
        if (line.contains("[ERROR]")) {
          log.warn("mariadbd: {}", line);
        } else {
          log.debug("mariadbd: {}", line);
        }
        if (line.contains(READY)) {
          ready.countDown();
        }
      }
    } catch (IOException e) {
      log.debug("mariadbd output closed: {}", e.getMessage());
    }
  }

  String lastLines() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  /** Completes with the server's exit status once the server (and its watchdog) are gone. */
  CompletableFuture<Integer> exited() {
    return watchdog.onExit().thenApply(Process::exitValue);
  }

  boolean alive() {
    return watchdog.isAlive();
  }

  /** The {@code mariadbd} process itself, a child of the watchdog shell. */
  Optional<ProcessHandle> server() {
    return watchdog
        .toHandle()
        .children()
        .filter(child -> child.info().command().map(c -> c.endsWith("mariadbd")).orElse(false))
        .findFirst();
  }

  /**
   * A clean shutdown: closing the watchdog's input is what a dying JVM does too, and makes the
   * watchdog send SIGTERM. A server still there after {@code within} is killed.
   */
  void stop(Duration within) {
    Optional<ProcessHandle> server = server();
    try {
      watchdog.getOutputStream().close();
    } catch (IOException e) {
      log.debug("closing the embedded MariaDB's watchdog pipe: {}", e.getMessage());
    }
    try {
      if (!watchdog.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("the embedded MariaDB did not stop within {} s; killing it", within.toSeconds());
        server.ifPresent(ProcessHandle::destroyForcibly);
        watchdog.destroyForcibly();
        watchdog.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.ifPresent(ProcessHandle::destroyForcibly);
      watchdog.destroyForcibly();
    }
  }

  /**
   * Writes the watchdog script where {@link #start} runs it from; rewritten at every start, so it
   * is current.
   */
  static Path writeWatchdog(Path home) {
    Path script = home.resolve("mariadbd-watchdog.sh");
    try (InputStream in = MariaDbProcess.class.getResourceAsStream("mariadbd-watchdog.sh")) {
      if (in == null) {
        throw new IllegalStateException("mariadbd-watchdog.sh is missing from the classpath");
      }
      Files.write(script, in.readAllBytes());
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + script, e);
    }
  }
}
