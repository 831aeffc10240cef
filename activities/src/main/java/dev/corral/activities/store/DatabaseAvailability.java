package dev.corral.activities.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the database can be reached. A watcher pings it every {@link #HEARTBEAT_EVERY} over a
 * connection of its own, and the work reports what it meets; while the database is away, every unit
 * of work fails at once with {@link DatabaseUnavailableException} instead of waiting out the
 * connection pool's timeout (so the API answers 503 in milliseconds), and the watcher tries a fresh
 * connection every {@link #PROBE_EVERY} until one works. The outage and the recovery are logged
 * once each.
 */
public final class DatabaseAvailability implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DatabaseAvailability.class);
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);
  static final Duration PROBE_EVERY = Duration.ofMillis(250);
  private static final int PING_TIMEOUT_SECONDS = 2;

  /**
   * A new connection outside the pool, with short timeouts: the pool's may all be dead or in use.
   */
  @FunctionalInterface
  interface Connector {
    Connection connect() throws SQLException;
  }

  /** Since when the database is unreachable, and the last reason seen. */
  public record Outage(Instant since, String reason) {}

  private final Connector connector;
  private final Runnable onBack;
  private final Clock clock;
  private final Object lock = new Object();
  private final Thread watcher;
  private volatile Outage outage;
  private volatile boolean closed;

  /** The watcher's own connection; only the watcher thread touches it. */
  private Connection heartbeat;

  /** {@code onBack} runs when the database answers again, before any work is let through. */
  DatabaseAvailability(Connector connector, Runnable onBack, Clock clock) {
    this.connector = connector;
    this.onBack = onBack;
    this.clock = clock;
    this.watcher = new Thread(this::watch, "database-watcher");
    this.watcher.setDaemon(true);
  }

  void startWatching() {
    watcher.start();
  }

  public Optional<Outage> outage() {
    return Optional.ofNullable(outage);
  }

  public boolean up() {
    return outage == null;
  }

  /** Fails at once while the database is known to be unreachable. */
  void checkUp() {
    Outage now = outage;
    if (now != null) {
      throw new DatabaseUnavailableException(message(now));
    }
  }

  private static String message(Outage outage) {
    return "the database is unavailable (since " + outage.since() + ": " + outage.reason() + ")";
  }

  /**
   * Turns a failure of a unit of work into {@link DatabaseUnavailableException} when it means the
   * database is away or has no connection to spare; returns empty for any other failure (a
   * constraint, a bad statement), which the caller rethrows as it was.
   */
  Optional<DatabaseUnavailableException> classify(RuntimeException failure) {
    if (failure instanceof DatabaseUnavailableException already) {
      return Optional.of(already);
    }
    Kind kind = kindOf(failure);
    if (kind == Kind.OTHER) {
      return Optional.empty();
    }
    String reason = reasonOf(failure);
    if (kind == Kind.BUSY) {
      return Optional.of(
          new DatabaseUnavailableException(
              "the database has no free connection (" + reason + ")", failure));
    }
    // One broken connection is not an outage: only a fresh connection that fails too is.
    try {
      probe();
      return Optional.of(
          new DatabaseUnavailableException(
              "the database connection failed (" + reason + ")", failure));
    } catch (SQLException probeFailed) {
      return Optional.of(
          new DatabaseUnavailableException(message(markDown(reasonOf(probeFailed))), failure));
    }
  }

  private void probe() throws SQLException {
    try (Connection connection = connector.connect();
        Statement statement = connection.createStatement()) {
      statement.execute("SELECT 1");
    }
  }

  private Outage markDown(String reason) {
    synchronized (lock) {
      if (outage == null) {
        outage = new Outage(clock.instant(), reason);
        log.warn(
            "the database is unavailable ({}); requests that need it answer 503 until it is back",
            reason);
      } else {
        outage = new Outage(outage.since(), reason);
      }
      return outage;
    }
  }

  private void markUp() {
    onBack.run();
    synchronized (lock) {
      Outage ended = outage;
      outage = null;
      if (ended != null) {
        log.info(
            "the database is back after {} s",
            Duration.between(ended.since(), clock.instant()).toSeconds());
      }
    }
  }

  /** Pings while the database is up; while it is away, tries a fresh connection until one works. */
  private void watch() {
    while (!closed) {
      try {
        Thread.sleep((outage == null ? HEARTBEAT_EVERY : PROBE_EVERY).toMillis());
      } catch (InterruptedException e) {
        break;
      }
      if (outage == null) {
        if (!ping()) {
          try {
            probe();
          } catch (SQLException e) {
            markDown(reasonOf(e));
          }
        }
      } else {
        try {
          probe();
          markUp();
        } catch (SQLException e) {
          markDown(reasonOf(e));
        }
      }
    }
    closeHeartbeat();
  }

  /**
   * A round trip over the watcher's own connection, made again when it broke; false when that
   * fails.
   */
  private boolean ping() {
    try {
      if (heartbeat == null) {
        heartbeat = connector.connect();
      }
      if (heartbeat.isValid(PING_TIMEOUT_SECONDS)) {
        return true;
      }
    } catch (SQLException e) {
      log.debug("database heartbeat failed: {}", e.getMessage());
    }
    closeHeartbeat();
    return false;
  }

  private void closeHeartbeat() {
    if (heartbeat != null) {
      try {
        heartbeat.close();
      } catch (SQLException e) {
        log.debug("closing the heartbeat connection: {}", e.getMessage());
      }
      heartbeat = null;
    }
  }

  enum Kind {
    UNREACHABLE,
    BUSY,
    OTHER
  }

  /**
   * SQLSTATE class 08 is "connection exception"; 1053 (server shutdown) and 1927 (connection
   * killed) are what a server that is going away says. A pool timeout with no cause is a pool with
   * every connection in use.
   */
  static Kind kindOf(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if ((state != null && state.startsWith("08"))
            || sql.getErrorCode() == 1053
            || sql.getErrorCode() == 1927) {
          return Kind.UNREACHABLE;
        }
        if (t instanceof SQLTransientConnectionException && t.getCause() == null) {
          return Kind.BUSY;
        }
      }
    }
    return Kind.OTHER;
  }

  /** The innermost SQL problem in one line: no statement text, no URL. */
  static String reasonOf(Throwable failure) {
    String reason = null;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        reason = t.getMessage();
      }
    }
    if (reason == null) {
      reason = failure.getClass().getSimpleName();
    }
    String line = reason.strip().lines().findFirst().orElse(reason);
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  @Override
  public void close() {
    closed = true;
    watcher.interrupt();
  }
}
