package dev.corral.activities.store.embedded;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded MariaDB running: when the server dies (killed, crashed, out of memory) it is
 * started again on the same port, after a pause that doubles with each failed try up to {@link
 * #MAX_PAUSE}. Each event is logged once: the death, each failed try, the recovery.
 */
public final class MariaDbSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MariaDbSupervisor.class);
  static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  /**
   * A server that ran this long before it died starts again after the first pause, not a long one.
   */
  private static final Duration STABLE = Duration.ofMinutes(1);

  /** What {@code /health/ready} and the metrics show. */
  public record Status(
      boolean up, long restarts, Instant downSince, String lastExit, Instant nextTryAt) {}

  private final EmbeddedMariaDb server;
  private final Clock clock;
  private final Thread thread;
  private final AtomicLong restarts = new AtomicLong();
  private volatile Status status;
  private volatile boolean closed;

  private MariaDbSupervisor(EmbeddedMariaDb server, Clock clock) {
    this.server = server;
    this.clock = clock;
    this.status = new Status(true, 0, null, null, null);
    this.thread = new Thread(this::superviseLoop, "embedded-mariadb-supervisor");
    this.thread.setDaemon(true);
  }

  /** Starts watching {@code server}, which must be running. */
  public static MariaDbSupervisor watch(EmbeddedMariaDb server, Clock clock) {
    MariaDbSupervisor supervisor = new MariaDbSupervisor(server, clock);
    supervisor.thread.start();
    return supervisor;
  }

  public Status status() {
    return status;
  }

  /** How many times the server was started again after it died. */
  public long restarts() {
    return restarts.get();
  }

  private void superviseLoop() {
    Duration pause = FIRST_PAUSE;
    while (!closed) {
      Instant upSince = clock.instant();
      int exit;
      try {
        exit = server.exited().join();
      } catch (RuntimeException e) {
        exit = -1;
      }
      if (closed) {
        return;
      }
      Instant down = clock.instant();
      if (Duration.between(upSince, down).compareTo(STABLE) >= 0) {
        pause = FIRST_PAUSE;
      }
      String lastExit = describeExit(exit) + " at " + down;
      log.warn(
          "the embedded MariaDB exited unexpectedly ({}); starting it again in {} s",
          describeExit(exit),
          pause.toSeconds());
      while (!closed) {
        status = new Status(false, restarts.get(), down, lastExit, clock.instant().plus(pause));
        if (!sleep(pause)) {
          return;
        }
        try {
          server.restart();
          restarts.incrementAndGet();
          status = new Status(true, restarts.get(), null, lastExit, null);
          log.info(
              "the embedded MariaDB is back after {} s (restart {} since start-up)",
              Duration.between(down, clock.instant()).toSeconds(),
              restarts.get());
          break;
        } catch (RuntimeException e) {
          if (closed) {
            return;
          }
          pause =
              pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
          log.warn(
              "starting the embedded MariaDB again failed; next try in {} s: {}",
              pause.toSeconds(),
              e.getMessage());
        }
      }
      pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
    }
  }

  private static String describeExit(int status) {
    if (status > 128) {
      return "killed by signal " + (status - 128);
    }
    return "exit status " + status;
  }

  private boolean sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
      return !closed;
    } catch (InterruptedException e) {
      return false;
    }
  }

  /** Stops supervising; the server itself is closed by its owner. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
