package dev.corral.activities.temporal;

import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.ShepherdInput;
import dev.corral.workflows.shepherd.PoolShepherdWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;

/** Starts pool shepherds; starting one that already runs is a no-op (one shepherd per pool). */
public final class Shepherds {
  private final WorkflowClient client;

  public Shepherds(WorkflowClient client) {
    this.client = client;
  }

  public void ensureRunning(String pool) {
    PoolShepherdWorkflow stub =
        client.newWorkflowStub(
            PoolShepherdWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.shepherd(pool))
                .setTaskQueue(TaskQueues.WORKFLOWS)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .build());
    WorkflowClient.start(stub::run, new ShepherdInput(pool));
  }
}
