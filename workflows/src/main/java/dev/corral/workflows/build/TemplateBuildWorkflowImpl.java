package dev.corral.workflows.build;

import dev.corral.workflows.DatabaseOutages;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.BuildActivities;
import dev.corral.workflows.activity.BuildStepActivities;
import dev.corral.workflows.model.BuildEnd;
import dev.corral.workflows.model.BuildInput;
import dev.corral.workflows.model.BuildSteps;
import dev.corral.workflows.model.StepRequest;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

public final class TemplateBuildWorkflowImpl implements TemplateBuildWorkflow {
  private static final Logger log = Workflow.getLogger(TemplateBuildWorkflowImpl.class);

  /** A queued build looks for a slot this often even without a wake-up signal (one may be lost). */
  static final Duration SLOT_RECHECK = Duration.ofSeconds(30);

  private final BuildActivities builds = BuildProfiles.inventory();
  private String step = BuildSteps.QUEUED;
  private boolean slotFreed;

  @Override
  public String build(BuildInput input) {
    try {
      // Cleared before asking, so a wake-up that arrives while we ask is not lost.
      slotFreed = false;
      while (!builds.tryStartBuild(input.buildId())) {
        Workflow.await(SLOT_RECHECK, () -> slotFreed);
        slotFreed = false;
      }
      // Steps write their progress to the inventory: an unreachable database makes the chain wait,
      // not fail.
      DatabaseOutages outages = new DatabaseOutages();
      for (String next : BuildSteps.CHAIN) {
        step = next;
        BuildStepActivities steps = BuildProfiles.step(input.provider(), next);
        outages.outlast(
            "build " + input.buildId() + " step " + next,
            () -> run(steps, new StepRequest(input, next)));
      }
      step = BuildEnd.SUCCEEDED;
      return BuildEnd.SUCCEEDED;
    } catch (TemporalFailure failure) {
      boolean cancelled = isCancellation(failure);
      String failedStep = step;
      String error = cancelled ? "cancelled by request" : reason(failure);
      // The failed step logged its failure, and endBuild logs how the build ended: no line of its
      // own here.
      step = BuildSteps.DELETE_ON_ERROR;
      // Detached: a cancelled workflow's own scope refuses new activities, but the rollback must
      // run.
      boolean[] rolledBack = {false};
      Workflow.newDetachedCancellationScope(
              () -> {
                try {
                  BuildProfiles.rollback(input.provider()).deleteOnError(input);
                  rolledBack[0] = true;
                } catch (ActivityFailure e) {
                  EventLog.error(
                      log,
                      "build rollback (delete-on-error) failed; artefacts may be left: "
                          + reason(e),
                      null,
                      EventLog.BUILD,
                      input.buildId(),
                      EventLog.PROVIDER,
                      input.provider(),
                      EventLog.VM,
                      input.vmName());
                }
                builds.endBuild(
                    new BuildEnd(
                        input.buildId(),
                        input.provider(),
                        cancelled ? BuildEnd.CANCELLED : BuildEnd.FAILED,
                        failedStep,
                        error,
                        rolledBack[0]));
              })
          .run();
      step = cancelled ? BuildEnd.CANCELLED : BuildEnd.FAILED;
      if (cancelled) {
        throw failure;
      }
      // Failing the workflow makes a failed build stand out in the Temporal UI.
      throw ApplicationFailure.newNonRetryableFailure(
          "build " + input.buildId() + " failed at " + failedStep + ": " + error, "BuildFailed");
    }
  }

  private static void run(BuildStepActivities steps, StepRequest request) {
    switch (request.step()) {
      case BuildSteps.DEPLOY -> steps.deploy(request);
      case BuildSteps.VERIFY -> steps.verifyVersion(request);
      case BuildSteps.CONFIGURE -> steps.configure(request);
      case BuildSteps.SEAL -> steps.seal(request);
      case BuildSteps.POWEROFF -> steps.powerOff(request);
      case BuildSteps.FINISH -> steps.finish(request);
      default -> throw new IllegalStateException("unknown step " + request.step());
    }
  }

  private static boolean isCancellation(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof CanceledFailure) {
        return true;
      }
    }
    return false;
  }

  /**
   * The innermost failure's message: what the provider or the step said, not Temporal's wrapping.
   */
  private static String reason(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String message =
        t instanceof ApplicationFailure app ? app.getOriginalMessage() : t.getMessage();
    return message == null ? t.getClass().getSimpleName() : message;
  }

  @Override
  public void slotFreed() {
    slotFreed = true;
  }

  @Override
  public String step() {
    return step;
  }
}
