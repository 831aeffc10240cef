package dev.corral.activities.temporal;

import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.VmPhase;
import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.vm.VmWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;

/** Starts VM workflows and tells them to retire; the one place that builds their ids and options. */
public final class VmWorkflows {
  private final WorkflowClient client;

  public VmWorkflows(WorkflowClient client) {
    this.client = client;
  }

  /** Starts the VM's workflow unless one is already running for it (a retried activity, a restart). */
  public void start(VmRequest request) {
    VmWorkflow stub = client.newWorkflowStub(VmWorkflow.class, options(request.vm()));
    WorkflowClient.start(stub::run, request);
  }

  /**
   * Tells the VM's workflow to destroy the VM. When no workflow runs for it any more (the embedded
   * Temporal server forgot it in a restart), signal-with-start begins one that only destroys.
   */
  public void retire(VmRow vm, String reason) {
    VmWorkflow stub = client.newWorkflowStub(VmWorkflow.class, options(vm.name()));
    BatchRequest batch = client.newSignalWithStartRequest();
    batch.add(stub::run, destroyRequest(vm));
    batch.add(stub::retire, reason);
    client.signalWithStart(batch);
  }

  /** A new (or resumed) VM's life, with the pool's try limits. */
  public static VmRequest provisionRequest(PoolRow pool, String vm, String provider, String template) {
    return new VmRequest(vm, pool.name(), provider, template, Duration.ofSeconds(pool.bootTimeoutS()),
        pool.maxTries(), VmPhase.PROVISION);
  }

  public static VmRequest destroyRequest(VmRow vm) {
    return new VmRequest(vm.name(), vm.pool(), vm.provider(), vm.template(), Duration.ofMinutes(15), 1, VmPhase.DESTROY);
  }

  private static WorkflowOptions options(String vmName) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(WorkflowIds.vm(vmName))
        .setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .build();
  }
}
