package dev.corral.workflows.activity;

import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.ProvisionRequest;
import dev.corral.workflows.model.ProvisionResult;
import dev.corral.workflows.model.RetireRequest;
import dev.corral.workflows.model.VmFailed;
import dev.corral.workflows.model.VmRetirement;
import dev.corral.workflows.model.VmTryFailed;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The inventory (the database, the source of truth). Every method is idempotent: state changes are
 * compare-and-set on the VM's current state, so a retried activity changes nothing twice.
 */
@ActivityInterface
public interface InventoryActivities {
  /**
   * Reads the pool and its VMs and says what to add and what to retire; also ends expired leases.
   */
  @ActivityMethod(name = "PlanPool")
  PoolPlan planPool(String pool);

  /**
   * Reserves rows for the given names within the providers' limits and starts their VM workflows.
   */
  @ActivityMethod(name = "ProvisionVms")
  ProvisionResult provisionVms(ProvisionRequest request);

  /**
   * Marks the VMs destroying and tells each VM workflow to destroy its VM. Returns how many it
   * retired.
   */
  @ActivityMethod(name = "RetireVms")
  int retireVms(RetireRequest request);

  @ActivityMethod(name = "RecordVmTryFailed")
  void recordTryFailed(VmTryFailed failure);

  /** Provisioning → failed, after the last try's VM was destroyed. */
  @ActivityMethod(name = "MarkVmFailed")
  void markFailed(VmFailed failure);

  /** Any live state → destroyed, after the provider confirmed the VM is gone. */
  @ActivityMethod(name = "MarkVmDestroyed")
  void markDestroyed(String vm);

  /**
   * Cleaning → reusable, after the cleanup hook. Returns true when the VM is held for its owner
   * now, false when it was retired meanwhile (destroy it).
   */
  @ActivityMethod(name = "MarkVmReusable")
  boolean markReusable(String vm);

  /**
   * Reusable → destroying with the reason, when its owner did not lease it again in time. Returns
   * true when the VM is to be destroyed, false when its owner leased it again meanwhile (keep it).
   */
  @ActivityMethod(name = "ExpireReusableVm")
  boolean expireReusable(VmRetirement expiry);

  /** Cleaning → destroying with the reason, after the cleanup hook failed for good. */
  @ActivityMethod(name = "RecordVmCleanupFailed")
  void cleanupFailed(VmRetirement failure);
}
