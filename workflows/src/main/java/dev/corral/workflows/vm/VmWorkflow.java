package dev.corral.workflows.vm;

import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.model.VmReuse;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One VM's whole life in one history: clone, wait until ready (a failed try is destroyed and
 * retried with a fresh clone up to max_tries), stay ready or leased until retired, then destroy. In
 * a {@code reuse: same_owner} pool a release may instead clean the VM and hold it for its owner,
 * who may lease it again (and again), until it is not leased again in time. Id: {@code
 * WorkflowIds.vm(name)}.
 */
@WorkflowInterface
public interface VmWorkflow {
  @WorkflowMethod(name = "VmLife")
  void run(VmRequest request);

  /** Destroy the VM: its lease ended, it is surplus, too old, or its pool is gone. */
  @SignalMethod
  void retire(String reason);

  /**
   * Its owner released it and the inventory holds it for them (state cleaning): run the cleanup
   * hook (unless {@code cleaned}: start-up recovery of a reusable VM), mark it reusable, destroy it
   * if it is not leased again within {@code keepFor}. A repeated signal (same {@code uses}) changes
   * nothing.
   */
  @SignalMethod
  void holdForOwner(VmReuse reuse);

  /**
   * Its owner leased it again while it was held; {@code uses} counts that lease. Stops the idle
   * timer.
   */
  @SignalMethod
  void leasedAgain(int uses);

  /** provisioning, ready, cleaning, reusable, leased (again), destroying, destroyed or failed. */
  @QueryMethod
  String stage();
}
