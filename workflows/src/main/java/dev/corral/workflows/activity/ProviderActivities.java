package dev.corral.workflows.activity;

import dev.corral.workflows.model.CleanRequest;
import dev.corral.workflows.model.CloneRequest;
import dev.corral.workflows.model.DestroyRequest;
import dev.corral.workflows.model.ReadyOutcome;
import dev.corral.workflows.model.ReadyRequest;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Calls into one provider. Runs on the provider's own task queue ({@code TaskQueues.provider}).
 * Permanent provider failures surface as non-retryable failures typed with {@code ErrorTypes}.
 */
@ActivityInterface
public interface ProviderActivities {
  /**
   * Idempotent by VM name: a retry finds the VM the first attempt created. Fails with CloneFailed.
   */
  @ActivityMethod(name = "CloneVm")
  void cloneVm(CloneRequest request);

  /**
   * Polls readiness with heartbeats, then marks the VM ready in the inventory (provisioning →
   * ready, compare-and-set, so a retry changes nothing twice). Marking it here rather than in a
   * separate activity saves a workflow-task hop per VM, which every clone wave waits for. Fails
   * with BootFailed or BootTimeout.
   */
  @ActivityMethod(name = "AwaitVmReady")
  ReadyOutcome awaitReady(ReadyRequest request);

  /** Idempotent: a VM that is already gone counts as destroyed. */
  @ActivityMethod(name = "DestroyVm")
  void destroyVm(DestroyRequest request);

  /** The provider's cleanup hook on a released VM; idempotent. Fails with CleanupFailed. */
  @ActivityMethod(name = "CleanVm")
  void cleanVm(CleanRequest request);
}
