package dev.corral.workflows.activity;

import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.ProvisionRequest;
import dev.corral.workflows.model.ProvisionResult;
import dev.corral.workflows.model.RetireRequest;
import dev.corral.workflows.model.VmFailed;
import dev.corral.workflows.model.VmTryFailed;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The inventory (the database, the source of truth). Every method is idempotent: state changes are
 * compare-and-set on the VM's current state, so a retried activity changes nothing twice.
 */
@ActivityInterface
public interface InventoryActivities {
  /** Reads the pool and its VMs and says what to add and what to retire; also ends expired leases. */
  @ActivityMethod(name = "PlanPool")
  PoolPlan planPool(String pool);

  /** Reserves rows for the given names within the providers' limits and starts their VM workflows. */
  @ActivityMethod(name = "ProvisionVms")
  ProvisionResult provisionVms(ProvisionRequest request);

  /** Marks the VMs destroying and tells each VM workflow to destroy its VM. Returns how many it retired. */
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
}
