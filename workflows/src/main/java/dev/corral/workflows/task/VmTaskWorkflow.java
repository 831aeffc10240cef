package dev.corral.workflows.task;

import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskInput;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Carries out one VM task (snapshot, revert, disk) asked for on a leased VM: waits until the VM's
 * earlier tasks have ended, marks it running, calls the provider, marks it done or failed. One per
 * task ({@code WorkflowIds.vmTask}). Which task of a VM may run is decided in the database under
 * the VM row's lock, not here, so a second workflow for the same task (a restart's recovery racing
 * a running one) cannot make two tasks of a VM run at once.
 */
@WorkflowInterface
public interface VmTaskWorkflow {
  @WorkflowMethod(name = "VmTask")
  VmTaskEnd run(VmTaskInput input);

  /** An earlier task of the same VM ended: claim again now instead of at the next recheck. */
  @SignalMethod
  void wake();
}
