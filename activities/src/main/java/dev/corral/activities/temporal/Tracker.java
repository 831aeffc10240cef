package dev.corral.activities.temporal;

import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.TrackerInput;
import dev.corral.workflows.tracker.TemplateTrackerWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;

/** Starts the one tracker loop and asks it to poll now. */
public final class Tracker {
  private final WorkflowClient client;

  public Tracker(WorkflowClient client) {
    this.client = client;
  }

  public void ensureRunning(Duration interval) {
    WorkflowOptions options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(WorkflowIds.tracker())
            .setTaskQueue(TaskQueues.WORKFLOWS)
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .build();
    WorkflowClient.start(
        client.newWorkflowStub(TemplateTrackerWorkflow.class, options)::run,
        new TrackerInput(interval));
  }

  /** Signals the loop; it polls at once, or right after the poll under way. */
  public void pollNow() {
    client.newWorkflowStub(TemplateTrackerWorkflow.class, WorkflowIds.tracker()).pollNow();
  }
}
