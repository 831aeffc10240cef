package dev.corral.workflows.activity;

import dev.corral.workflows.model.CloneRequest;
import dev.corral.workflows.model.DestroyRequest;
import dev.corral.workflows.model.ReadyRequest;
import dev.corral.workflows.model.VmAddress;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Calls into one provider. Runs on the provider's own task queue ({@code TaskQueues.provider}).
 * Permanent provider failures surface as non-retryable failures typed with {@code ErrorTypes}.
 */
@ActivityInterface
public interface ProviderActivities {
  /** Idempotent by VM name: a retry finds the VM the first attempt created. Fails with CloneFailed. */
  @ActivityMethod(name = "CloneVm")
  void cloneVm(CloneRequest request);

  /** Polls readiness with heartbeats. Fails with BootFailed or BootTimeout. */
  @ActivityMethod(name = "AwaitVmReady")
  VmAddress awaitReady(ReadyRequest request);

  /** Idempotent: a VM that is already gone counts as destroyed. */
  @ActivityMethod(name = "DestroyVm")
  void destroyVm(DestroyRequest request);
}
