package dev.corral.workflows.vm;

import dev.corral.workflows.model.VmRequest;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One VM's whole life in one history: clone, wait until ready (a failed try is destroyed and retried
 * with a fresh clone up to max_tries), stay ready or leased until retired, then destroy.
 * Id: {@code WorkflowIds.vm(name)}.
 */
@WorkflowInterface
public interface VmWorkflow {
  @WorkflowMethod(name = "VmLife")
  void run(VmRequest request);

  /** Destroy the VM: its lease ended, it is surplus, too old, or its pool is gone. */
  @SignalMethod
  void retire(String reason);

  /** provisioning, ready, destroying, destroyed or failed. */
  @QueryMethod
  String stage();
}
