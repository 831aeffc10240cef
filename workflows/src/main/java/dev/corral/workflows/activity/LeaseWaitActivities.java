package dev.corral.workflows.activity;

import dev.corral.workflows.model.LeaseFill;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Pending leases in the inventory. Both methods are idempotent: each is one transaction that first
 * locks the lease row and acts only while the lease is still {@code pending}.
 */
@ActivityInterface
public interface LeaseWaitActivities {
  /**
   * Holds ready VMs of the lease's pools for its outstanding demand (oldest pending lease of a pool
   * first) and activates the lease once it holds everything it asked for.
   */
  @ActivityMethod(name = "FillPendingLease")
  LeaseFill fill(String leaseId);

  /** Fails a lease whose wait ran out, naming what was short; its held VMs go back to ready. */
  @ActivityMethod(name = "FailPendingLease")
  LeaseFill fail(String leaseId);
}
