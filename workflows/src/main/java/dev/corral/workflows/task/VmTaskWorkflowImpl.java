package dev.corral.workflows.task;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.activity.VmTaskActivities;
import dev.corral.workflows.activity.VmTaskProviderActivities;
import dev.corral.workflows.model.VmTaskClaim;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskInput;
import dev.corral.workflows.model.VmTaskKinds;
import dev.corral.workflows.model.VmTaskRequest;
import dev.corral.workflows.model.VmTaskResult;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.SignalExternalWorkflowException;
import io.temporal.workflow.Workflow;
import java.util.Arrays;
import org.slf4j.Logger;

public final class VmTaskWorkflowImpl implements VmTaskWorkflow {
  private static final Logger log = Workflow.getLogger(VmTaskWorkflowImpl.class);

  /**
   * A few events per wait; a task queued behind long ones continues as new well below Temporal's
   * limits.
   */
  static final int PASSES_PER_RUN = 500;

  private final VmTaskActivities tasks = ActivityProfiles.vmTasks();
  private boolean woken;

  @Override
  public VmTaskEnd run(VmTaskInput input) {
    VmTaskClaim claim = null;
    for (int pass = 0; pass < PASSES_PER_RUN; pass++) {
      // Cleared before claiming, so a wake-up that arrives while the claim runs counts.
      woken = false;
      claim = tasks.claim(input.taskId());
      if (claim.decision() != VmTaskClaim.Decision.WAIT) {
        break;
      }
      Workflow.await(input.recheck(), () -> woken);
      if (Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
    }
    if (claim.decision() == VmTaskClaim.Decision.WAIT) {
      Workflow.await(Workflow::isEveryHandlerFinished);
      Workflow.continueAsNew(input);
    }
    VmTaskEnd end =
        claim.decision() == VmTaskClaim.Decision.ENDED
            ? claim.end()
            : perform(input.taskId(), claim);
    if (end.nextTaskId() != null) {
      wake(end.nextTaskId());
    }
    return end;
  }

  private VmTaskEnd perform(String taskId, VmTaskClaim claim) {
    VmTaskProviderActivities provider = ActivityProfiles.vmTaskProvider(claim.provider());
    VmTaskRequest request =
        new VmTaskRequest(claim.provider(), claim.vm(), taskId, claim.argument());
    String failure = null;
    try {
      switch (claim.kind()) {
        case VmTaskKinds.SNAPSHOT -> provider.snapshot(request);
        case VmTaskKinds.REVERT -> provider.revert(request);
        case VmTaskKinds.DISK -> provider.addDisk(request);
        default -> failure = "unknown task kind " + claim.kind();
      }
    } catch (ActivityFailure e) {
      failure = reason(e);
      EventLog.warn(
          log,
          "VM task " + claim.kind() + " failed: " + failure,
          EventLog.TASK,
          taskId,
          EventLog.VM,
          claim.vm(),
          EventLog.PROVIDER,
          claim.provider());
    }
    return tasks.finish(new VmTaskResult(taskId, failure));
  }

  /**
   * The next task of the VM may run now; if its workflow is gone or not started yet, it claims on
   * its own.
   */
  private static void wake(String taskId) {
    try {
      Workflow.newUntypedExternalWorkflowStub(WorkflowIds.vmTask(taskId)).signal("wake");
    } catch (SignalExternalWorkflowException gone) {
      log.debug("vm task {} has no running workflow to wake", taskId);
    }
  }

  /**
   * The provider's own words; a permanent failure also names its type (VmNotFound,
   * SnapshotNotFound).
   */
  private static String reason(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure app) {
      boolean typed = Arrays.asList(ErrorTypes.PERMANENT).contains(app.getType());
      return typed ? app.getType() + ": " + app.getOriginalMessage() : app.getOriginalMessage();
    }
    return cause == null ? failure.getMessage() : cause.getMessage();
  }

  @Override
  public void wake() {
    woken = true;
  }
}
