package dev.corral.workflows.activity;

import dev.corral.workflows.model.VmTaskClaim;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskResult;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * VM tasks in the inventory. Both methods are one transaction under the lock of the task's VM row,
 * so a VM's tasks, its release and its other tasks' claims are serialised; both are idempotent.
 */
@ActivityInterface
public interface VmTaskActivities {
  /**
   * Marks the task running when its VM is still leased under the task's lease and no earlier task
   * of the VM is unfinished (WAIT otherwise). A task already running (a repeated claim) runs again;
   * one whose VM left that lease is failed with "vm no longer leased" (ENDED).
   */
  @ActivityMethod(name = "ClaimVmTask")
  VmTaskClaim claim(String taskId);

  /**
   * Marks the task done, or failed with the reason ("vm no longer leased" when the VM left the
   * task's lease meanwhile). A task that ended already is returned as it is.
   */
  @ActivityMethod(name = "FinishVmTask")
  VmTaskEnd finish(VmTaskResult result);
}
