package dev.corral.workflows.build;

import dev.corral.workflows.model.BuildInput;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * The preparation chain of one build: wait for a build slot, then deploy → verify → configure →
 * seal → power off → finish. Whatever step fails (after its retries), or if the build is cancelled,
 * delete-on-error removes every partial artefact and the build is recorded failed (or cancelled)
 * with the step and the reason. Returns the final build state.
 */
@WorkflowInterface
public interface TemplateBuildWorkflow {
  @WorkflowMethod(name = "TemplateBuild")
  String build(BuildInput input);

  /** A build slot on this build's provider may have freed. */
  @SignalMethod
  void slotFreed();

  /** The step running now (queued while waiting for a slot). */
  @QueryMethod
  String step();
}
