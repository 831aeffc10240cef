package dev.corral.workflows.shepherd;

import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.ShepherdInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Keeps one pool at its size: ready + provisioning = size, surplus and stale VMs destroyed. One per
 * pool ({@code WorkflowIds.shepherd}); it runs until the pool is removed from the config and
 * drained.
 */
@WorkflowInterface
public interface PoolShepherdWorkflow {
  @WorkflowMethod(name = "PoolShepherd")
  void run(ShepherdInput input);

  /** Something changed (a lease, a release, a VM became ready or was destroyed): look again now. */
  @SignalMethod
  void nudge();

  /** The last plan, for people debugging a pool in the Temporal UI. */
  @QueryMethod
  PoolPlan lastPlan();
}
