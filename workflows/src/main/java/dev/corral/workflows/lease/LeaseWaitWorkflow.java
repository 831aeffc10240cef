package dev.corral.workflows.lease;

import dev.corral.workflows.model.LeaseFill;
import dev.corral.workflows.model.LeaseWaitInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Fills one pending lease VM by VM as VMs become ready, and fails it when its wait runs out. One
 * per lease ({@code WorkflowIds.leaseWait}); it ends when the lease is active, failed or cancelled.
 */
@WorkflowInterface
public interface LeaseWaitWorkflow {
  @WorkflowMethod(name = "LeaseWait")
  LeaseFill run(LeaseWaitInput input);

  /**
   * A VM of one of the lease's pools became ready, or the lease changed (cancelled): look again
   * now.
   */
  @SignalMethod
  void wake();

  /** The last pass, for people debugging a lease in the Temporal UI. */
  @QueryMethod
  LeaseFill lastFill();
}
