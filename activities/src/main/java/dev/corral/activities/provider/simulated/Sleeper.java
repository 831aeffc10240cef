package dev.corral.activities.provider.simulated;

import java.time.Duration;

/** How the simulated provider waits; tests pass one that does not really sleep. */
@FunctionalInterface
public interface Sleeper {
  /** The real one: {@link Thread#sleep(Duration)}. */
  Sleeper REAL =
      d -> {
        if (!d.isNegative() && !d.isZero()) {
          Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
        }
      };

  void sleep(Duration d) throws InterruptedException;
}
