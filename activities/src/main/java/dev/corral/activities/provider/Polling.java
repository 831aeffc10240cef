package dev.corral.activities.provider;

import java.time.Duration;

/** Waiting between two polls of a hypervisor, the same in every provider. */
public final class Polling {
  private Polling() {}

  /**
   * Sleeps {@code d}. An interrupt (a worker shutting down) ends the provider call as a passing
   * failure, so Temporal runs the activity again elsewhere instead of failing it for good.
   */
  public static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted");
    }
  }
}
