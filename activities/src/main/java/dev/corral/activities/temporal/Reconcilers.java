package dev.corral.activities.temporal;

import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.ReconcileInput;
import dev.corral.workflows.reconcile.ReconcilerWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;

/**
 * Starts each provider's reconciler loop, or finds the one running (another instance, an earlier
 * start).
 */
public final class Reconcilers {
  private final WorkflowClient client;

  public Reconcilers(WorkflowClient client) {
    this.client = client;
  }

  public void ensureRunning(String provider, ReconcileConfig config) {
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(WorkflowIds.reconcile(provider))
            .setTaskQueue(TaskQueues.WORKFLOWS)
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .build();
    WorkflowClient.start(
        client.newWorkflowStub(ReconcilerWorkflow.class, options)::run,
        new ReconcileInput(provider, config.tick(), config.window(), 0));
  }
}
