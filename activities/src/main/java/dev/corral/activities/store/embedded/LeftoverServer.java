package dev.corral.activities.store.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a {@code mariadbd} that an earlier run left holding this data dir (its JVM was killed and
 * so was the watchdog, or it was started before the watchdog existed) and stops it, so the new
 * server can take the data dir. A process is only ever touched when a pid file of this data dir
 * names it <em>and</em> its own command line is {@code mariadbd ... --datadir=<this data dir>}: a
 * process that merely looks similar, or a pid that was reused by something else, is left alone.
 */
final class LeftoverServer {
  private static final Logger log = LoggerFactory.getLogger(LeftoverServer.class);

  /** A clean shutdown flushes InnoDB's buffer pool; 128 MB takes seconds, so this is generous. */
  static final Duration CLEAN_STOP = Duration.ofSeconds(30);

  private LeftoverServer() {}

  /** Stops every leftover server of {@code dataDir}; returns how many it stopped. */
  static int stopAll(Path dataDir, List<Path> pidFiles) {
    int stopped = 0;
    for (ProcessHandle server : find(dataDir, pidFiles)) {
      log.warn(
          "a MariaDB server (pid {}) left running by an earlier start still holds {}; stopping it",
          server.pid(),
          dataDir);
      stop(server);
      stopped++;
    }
    return stopped;
  }

  /**
   * The live processes that pid files of this data dir name and that are this data dir's {@code
   * mariadbd}.
   */
  static List<ProcessHandle> find(Path dataDir, List<Path> pidFiles) {
    List<ProcessHandle> found = new ArrayList<>();
    for (Path pidFile : candidates(dataDir, pidFiles)) {
      readPid(pidFile)
          .flatMap(ProcessHandle::of)
          .filter(ProcessHandle::isAlive)
          .filter(process -> servesDataDir(process, dataDir))
          .filter(process -> found.stream().noneMatch(p -> p.pid() == process.pid()))
          .ifPresent(found::add);
    }
    return found;
  }

  /**
   * Corral's own pid files, and the {@code <host>.pid} a server writes into its data dir by
   * default.
   */
  private static List<Path> candidates(Path dataDir, List<Path> pidFiles) {
    List<Path> all = new ArrayList<>(pidFiles);
    if (Files.isDirectory(dataDir)) {
      try (DirectoryStream<Path> inDataDir = Files.newDirectoryStream(dataDir, "*.pid")) {
        inDataDir.forEach(all::add);
      } catch (IOException e) {
        log.debug("cannot list pid files in {}: {}", dataDir, e.getMessage());
      }
    }
    return all;
  }

  private static Optional<Long> readPid(Path pidFile) {
    try {
      String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
      return text.matches("\\d{1,10}") ? Optional.of(Long.parseLong(text)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static boolean servesDataDir(ProcessHandle process, Path dataDir) {
    ProcessHandle.Info info = process.info();
    boolean isServer =
        info.command()
            .map(command -> command.endsWith("/mariadbd") || command.endsWith("/mysqld"))
            .orElse(false);
    String wanted = "--datadir=" + dataDir.toAbsolutePath().normalize();
    boolean sameDataDir =
        info.arguments().map(args -> List.of(args).contains(wanted)).orElse(false);
    return isServer && sameDataDir;
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it is still there after {@link #CLEAN_STOP}. */
  private static void stop(ProcessHandle server) {
    if (!server.destroy() && server.isAlive()) {
      throw new IllegalStateException(
          "a MariaDB server (pid "
              + server.pid()
              + ") holds the embedded database's data"
              + " dir and cannot be stopped by this user; stop it, then start Corral again");
    }
    try {
      try {
        server.onExit().get(CLEAN_STOP.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        log.warn(
            "the leftover MariaDB server (pid {}) did not stop within {} s; killing it",
            server.pid(),
            CLEAN_STOP.toSeconds());
        server.destroyForcibly();
        server.onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "a MariaDB server (pid "
              + server.pid()
              + ") holding the embedded database's"
              + " data dir survived SIGKILL; stop it, then start Corral again",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping a leftover MariaDB server", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for the leftover MariaDB server failed", e);
    }
  }
}
