package dev.corral.workflows;

import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Outlasts a database outage around an activity whose tries are limited (a clone, a boot wait, a
 * build step): when the call fails only because the database was unreachable, the workflow waits (5
 * s, doubling to a minute) and calls it again, for as long as the outage lasts, without counting it
 * as the step's failure. The calls it wraps are idempotent, which is what makes calling again safe.
 *
 * <p>Replay-safe without a version marker: it changes what a workflow does only after a failure of
 * type {@link ErrorTypes#DATABASE_UNAVAILABLE}, which no history written before it can hold.
 */
public final class DatabaseOutages {
  private static final Logger log = Workflow.getLogger(DatabaseOutages.class);
  static final Duration FIRST_PAUSE = Duration.ofSeconds(5);
  static final Duration MAX_PAUSE = Duration.ofMinutes(1);

  private long lostMillis;

  /** Runs {@code call}, again after each failure that only the database's absence caused. */
  public <T> T outlast(String what, Supplier<T> call) {
    Duration pause = FIRST_PAUSE;
    while (true) {
      long started = Workflow.currentTimeMillis();
      try {
        return call.get();
      } catch (ActivityFailure failure) {
        if (!causedBy(failure)) {
          throw failure;
        }
        if (pause.equals(FIRST_PAUSE)) {
          log.warn(
              "{}: the database is unavailable; waiting for it, then {} runs again", what, what);
        }
        Workflow.sleep(pause);
        lostMillis += Workflow.currentTimeMillis() - started;
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
      }
    }
  }

  public void outlast(String what, Runnable call) {
    outlast(
        what,
        () -> {
          call.run();
          return null;
        });
  }

  /**
   * Time that calls failed by outages and the waits after them took, so far: not the step's own
   * time.
   */
  public Duration lost() {
    return Duration.ofMillis(lostMillis);
  }

  /** Whether the activity failed because the database could not be reached. */
  public static boolean causedBy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure app
          && ErrorTypes.DATABASE_UNAVAILABLE.equals(app.getType())) {
        return true;
      }
    }
    return false;
  }
}
