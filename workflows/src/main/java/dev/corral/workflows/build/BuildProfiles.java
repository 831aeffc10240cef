package dev.corral.workflows.build;

import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.activity.BuildActivities;
import dev.corral.workflows.activity.BuildStepActivities;
import dev.corral.workflows.model.BuildSteps;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;

/**
 * Activity options of the preparation chain: each step has its own timeout and retry policy,
 * because a configure may run for an hour while a seal takes seconds. Long steps heartbeat, so a
 * lost worker is noticed within the heartbeat timeout.
 */
final class BuildProfiles {
  /** Like Sprout's chain: a step is tried five times, a little apart, before the build fails. */
  private static final RetryOptions STEP_RETRIES =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2)
          .setMaximumInterval(Duration.ofSeconds(30))
          .setMaximumAttempts(5)
          .setDoNotRetry(ErrorTypes.PERMANENT)
          .build();

  private record StepLimits(Duration startToClose, Duration heartbeat) {}

  private static final Map<String, StepLimits> LIMITS =
      Map.of(
          BuildSteps.DEPLOY, new StepLimits(Duration.ofMinutes(30), Duration.ofMinutes(1)),
          BuildSteps.VERIFY, new StepLimits(Duration.ofMinutes(10), null),
          BuildSteps.CONFIGURE, new StepLimits(Duration.ofHours(2), Duration.ofMinutes(1)),
          BuildSteps.SEAL, new StepLimits(Duration.ofMinutes(15), null),
          BuildSteps.POWEROFF, new StepLimits(Duration.ofMinutes(10), Duration.ofMinutes(1)),
          BuildSteps.FINISH, new StepLimits(Duration.ofHours(1), Duration.ofMinutes(1)));

  /**
   * One stub per step, so each carries its own options and the history names the step's activity.
   *
   * <p>A cancelled step is waited for: delete-on-error must not run while the step's provider call
   * is still under way, or a deploy or finish completing after the rollback would leave its VM or
   * template behind. Heartbeating steps stop at their next heartbeat; the short ones run to their
   * end (and a step that completes all the same counts, so a cancel that comes too late lets the
   * build succeed).
   */
  static BuildStepActivities step(String provider, String step) {
    StepLimits limits = LIMITS.get(step);
    ActivityOptions.Builder options =
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(limits.startToClose())
            .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
            .setRetryOptions(STEP_RETRIES);
    if (limits.heartbeat() != null) {
      options.setHeartbeatTimeout(limits.heartbeat());
    }
    return Workflow.newActivityStub(BuildStepActivities.class, options.build());
  }

  /** Rollback is retried without limit: giving up would leak a VM or a half-made template. */
  static BuildStepActivities rollback(String provider) {
    return Workflow.newActivityStub(
        BuildStepActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(Duration.ofMinutes(30))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumInterval(Duration.ofMinutes(1))
                    .setDoNotRetry(ErrorTypes.UNKNOWN_PROVIDER)
                    .build())
            .build());
  }

  /** Database work: retried until the database answers. */
  static BuildActivities inventory() {
    return Workflow.newActivityStub(
        BuildActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.WORKFLOWS)
            .setStartToCloseTimeout(Duration.ofSeconds(30))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofMillis(500))
                    .setMaximumInterval(Duration.ofSeconds(30))
                    .setDoNotRetry("BuildNotFound", "BuildEnded")
                    .build())
            .build());
  }

  private BuildProfiles() {}
}
