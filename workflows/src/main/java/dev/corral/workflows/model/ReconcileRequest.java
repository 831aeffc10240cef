package dev.corral.workflows.model;

import java.time.Duration;

/**
 * One reconcile pass over one provider.
 *
 * @param all check every live VM now instead of the tick's share (the "reconcile now" path)
 * @param scanInventory also list the provider's inventory and record or purge unknown VMs
 * @param force purge unknown VMs at their first sighting instead of their second (never allowlisted
 *     ones, never in a dry run)
 */
public record ReconcileRequest(
    String provider,
    Duration tick,
    Duration window,
    boolean all,
    boolean scanInventory,
    boolean force) {

  /** The loop's staggered pass. */
  public static ReconcileRequest tick(ReconcileInput input) {
    return new ReconcileRequest(
        input.provider(), input.tick(), input.window(), false, input.scansInventory(), false);
  }
}
