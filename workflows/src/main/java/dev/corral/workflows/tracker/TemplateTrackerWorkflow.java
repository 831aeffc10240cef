package dev.corral.workflows.tracker;

import dev.corral.workflows.model.TrackerInput;
import dev.corral.workflows.model.TrackerPass;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Polls the template sources every interval, or at once when asked; continues-as-new, never ends.
 */
@WorkflowInterface
public interface TemplateTrackerWorkflow {
  @WorkflowMethod(name = "TemplateTracker")
  void run(TrackerInput input);

  /** Poll now ({@code POST /v1/tracker/poll}). */
  @SignalMethod
  void pollNow();

  @QueryMethod
  TrackerPass lastPass();
}
