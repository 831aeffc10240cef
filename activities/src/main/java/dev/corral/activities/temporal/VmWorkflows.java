package dev.corral.activities.temporal;

import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.VmPhase;
import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.model.VmReuse;
import dev.corral.workflows.vm.VmWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;

/**
 * Starts VM workflows and tells them what the inventory decided (retire, hold for the owner, leased
 * again); the one place that builds their ids and options.
 */
public final class VmWorkflows {
  private final WorkflowClient client;

  public VmWorkflows(WorkflowClient client) {
    this.client = client;
  }

  /**
   * Starts the VM's workflow unless one is already running for it (a retried activity, a restart).
   */
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

  /**
   * Tells the workflow of a VM whose lease just ended what the inventory made of it: destroying →
   * {@link #retire}; cleaning or reusable → {@link #holdForOwner}. Other states need nothing.
   */
  public void released(VmRow vm, String reason, Instant now) {
    if (VmStates.DESTROYING.equals(vm.state())) {
      retire(vm, reason);
    } else if (VmStates.CLEANING.equals(vm.state()) || VmStates.REUSABLE.equals(vm.state())) {
      holdForOwner(vm, now);
    }
  }

  /**
   * Tells the VM's workflow to clean the VM (unless it is reusable already) and hold it for its
   * owner until {@code reusable_until}. When no workflow runs for it any more (a restart of the
   * embedded server forgot it), signal-with-start begins one that only holds and, in the end,
   * destroys.
   */
  public void holdForOwner(VmRow vm, Instant now) {
    Duration keepFor =
        vm.reusableUntil() == null ? Duration.ZERO : Duration.between(now, vm.reusableUntil());
    VmReuse reuse =
        new VmReuse(
            vm.uses(),
            keepFor.isNegative() ? Duration.ZERO : keepFor,
            VmStates.REUSABLE.equals(vm.state()));
    VmWorkflow stub = client.newWorkflowStub(VmWorkflow.class, options(vm.name()));
    BatchRequest batch = client.newSignalWithStartRequest();
    batch.add(
        stub::run,
        new VmRequest(
            vm.name(),
            vm.pool(),
            vm.provider(),
            vm.template(),
            Duration.ofMinutes(15),
            1,
            VmPhase.HOLD));
    batch.add(stub::holdForOwner, reuse);
    client.signalWithStart(batch);
  }

  /**
   * Tells the VM's workflow that its owner leased it again, which stops its idle timer. Best
   * effort: without it the timer finds the VM leased and keeps it.
   */
  public void leasedAgain(VmRow vm) {
    client.newWorkflowStub(VmWorkflow.class, WorkflowIds.vm(vm.name())).leasedAgain(vm.uses());
  }

  /** A new (or resumed) VM's life, with the pool's try limits. */
  public static VmRequest provisionRequest(
      PoolRow pool, String vm, String provider, String template) {
    return new VmRequest(
        vm,
        pool.name(),
        provider,
        template,
        Duration.ofSeconds(pool.bootTimeoutS()),
        pool.maxTries(),
        VmPhase.PROVISION,
        pool.shape());
  }

  public static VmRequest destroyRequest(VmRow vm) {
    return new VmRequest(
        vm.name(),
        vm.pool(),
        vm.provider(),
        vm.template(),
        Duration.ofMinutes(15),
        1,
        VmPhase.DESTROY);
  }

  private static WorkflowOptions options(String vmName) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(WorkflowIds.vm(vmName))
        .setTaskQueue(TaskQueues.WORKFLOWS)
        .setWorkflowIdConflictPolicy(
            WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .build();
  }
}
