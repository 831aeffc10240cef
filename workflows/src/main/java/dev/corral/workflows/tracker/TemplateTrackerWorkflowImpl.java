package dev.corral.workflows.tracker;

import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.activity.TrackerActivities;
import dev.corral.workflows.model.TrackerInput;
import dev.corral.workflows.model.TrackerPass;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

public final class TemplateTrackerWorkflowImpl implements TemplateTrackerWorkflow {
  private static final Logger log = Workflow.getLogger(TemplateTrackerWorkflowImpl.class);

  /** Each pass adds a handful of events; a new run every 100 passes keeps the history short. */
  static final int PASSES_PER_RUN = 100;

  /**
   * A poll reads files, URLs and every provider's listing: minutes at most. A failed poll is not
   * retried here; the next interval polls again, so one dead source cannot wedge the loop.
   */
  private final TrackerActivities tracker =
      Workflow.newActivityStub(
          TrackerActivities.class,
          ActivityOptions.newBuilder()
              .setTaskQueue(TaskQueues.WORKFLOWS)
              .setStartToCloseTimeout(Duration.ofMinutes(5))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
              .build());

  private boolean pollRequested;
  private TrackerPass lastPass;

  @Override
  public void run(TrackerInput input) {
    for (int pass = 0; pass < PASSES_PER_RUN; pass++) {
      // Cleared before polling: a request that arrives during the poll gets a poll of its own.
      pollRequested = false;
      try {
        lastPass = tracker.poll();
      } catch (ActivityFailure e) {
        log.warn("tracker poll failed; next poll in {}: {}", input.interval(), e.getMessage());
      }
      Workflow.await(input.interval(), () -> pollRequested);
      if (Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    Workflow.continueAsNew(input);
  }

  @Override
  public void pollNow() {
    pollRequested = true;
  }

  @Override
  public TrackerPass lastPass() {
    return lastPass;
  }
}
