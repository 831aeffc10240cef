package dev.corral.activities.build;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs a long provider call while heartbeating, so that Temporal notices a dead worker within the
 * heartbeat timeout instead of the step's whole start-to-close timeout (hours for a configure).
 */
final class Heartbeats {
  static final Duration EVERY = Duration.ofSeconds(5);

  private static final ExecutorService CALLS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "build-step-call");
            t.setDaemon(true);
            return t;
          });

  private Heartbeats() {}

  static <T> T whileRunning(Supplier<T> call) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    Future<T> result = CALLS.submit(call::get);
    try {
      while (true) {
        try {
          return result.get(EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
          // Throws ActivityCompletionException when the step was cancelled or timed out; the call
          // is
          // then interrupted, and the chain's delete-on-error cleans up whatever it left.
          context.heartbeat(null);
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    } finally {
      result.cancel(true);
    }
  }
}
