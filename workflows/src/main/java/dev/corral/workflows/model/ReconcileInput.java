package dev.corral.workflows.model;

import java.time.Duration;

/**
 * A reconciler loop's state carried across continue-as-new.
 *
 * @param tick time between two passes ({@code reconcile.tick})
 * @param window every VM of the provider is checked once within it ({@code reconcile.window})
 * @param ticks passes made so far; every {@link #ticksPerWindow()}-th pass (the first included)
 *     also lists the provider's inventory for unknown VMs
 */
public record ReconcileInput(String provider, Duration tick, Duration window, long ticks) {
  /** Passes per window, at least one. */
  public int ticksPerWindow() {
    long n = (window.toMillis() + tick.toMillis() - 1) / Math.max(1, tick.toMillis());
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, n));
  }

  /** Whether this pass lists the provider's inventory. */
  public boolean scansInventory() {
    return ticks % ticksPerWindow() == 0;
  }

  public ReconcileInput next() {
    return new ReconcileInput(provider, tick, window, ticks + 1);
  }
}
