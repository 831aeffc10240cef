package dev.corral.workflows.vm;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.activity.InventoryActivities;
import dev.corral.workflows.activity.ProviderActivities;
import dev.corral.workflows.model.CloneRequest;
import dev.corral.workflows.model.DestroyRequest;
import dev.corral.workflows.model.ReadyOutcome;
import dev.corral.workflows.model.ReadyRequest;
import dev.corral.workflows.model.VmFailed;
import dev.corral.workflows.model.VmPhase;
import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.model.VmTryFailed;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

public final class VmWorkflowImpl implements VmWorkflow {
  private static final Logger log = Workflow.getLogger(VmWorkflowImpl.class);

  private final InventoryActivities inventory = ActivityProfiles.inventory();
  private String retiredFor;
  private String stage = "provisioning";

  @Override
  public void run(VmRequest request) {
    if (request.phase() == VmPhase.PROVISION && provision(request)) {
      stage = "ready";
      Workflow.await(() -> retiredFor != null);
    }
    if ("failed".equals(stage)) {
      return;
    }
    stage = "destroying";
    ActivityProfiles.destroy(request.provider()).destroyVm(new DestroyRequest(request.provider(), request.vm()));
    inventory.markDestroyed(request.vm());
    stage = "destroyed";
  }

  /**
   * Runs clone-and-boot tries until one gives a ready VM. Returns true when the VM is ready and
   * wanted, false when it must be destroyed (retired meanwhile) or has failed for good.
   */
  private boolean provision(VmRequest request) {
    ProviderActivities cloner = ActivityProfiles.clone(request.provider(), request.bootTimeout());
    ProviderActivities waiter = ActivityProfiles.awaitReady(request.provider(), request.bootTimeout());
    ProviderActivities destroyer = ActivityProfiles.destroy(request.provider());
    String lastReason = "never tried";
    for (int attempt = 1; attempt <= request.maxTries() && retiredFor == null; attempt++) {
      long started = Workflow.currentTimeMillis();
      try {
        cloner.cloneVm(new CloneRequest(request.provider(), request.vm(), request.template()));
        // The boot deadline covers clone and boot together, as users read boot_timeout.
        Duration left = request.bootTimeout().minusMillis(Workflow.currentTimeMillis() - started);
        // The activity also marks the VM ready in the inventory; a retirement moved the row to
        // destroying first, so then the VM is not wanted and is destroyed below.
        ReadyOutcome ready =
            waiter.awaitReady(new ReadyRequest(request.provider(), request.vm(), positive(left)));
        return ready.wanted() && retiredFor == null;
      } catch (ActivityFailure failure) {
        lastReason = reason(failure);
        log.warn("vm {} try {}/{} failed: {}", request.vm(), attempt, request.maxTries(), lastReason);
        // A half-made clone must not outlive its try; destroy is idempotent when nothing was made.
        destroyer.destroyVm(new DestroyRequest(request.provider(), request.vm()));
        inventory.recordTryFailed(new VmTryFailed(request.vm(), attempt, lastReason));
      }
    }
    if (retiredFor != null) {
      return false;
    }
    inventory.markFailed(new VmFailed(request.vm(), request.maxTries(), lastReason));
    stage = "failed";
    return false;
  }

  private static Duration positive(Duration left) {
    return left.isNegative() || left.isZero() ? Duration.ofMillis(1) : left;
  }

  private static String reason(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure app) {
      return app.getType() + ": " + app.getOriginalMessage();
    }
    return cause == null ? failure.getMessage() : cause.getMessage();
  }

  @Override
  public void retire(String reason) {
    if (retiredFor == null) {
      retiredFor = reason;
    }
  }

  @Override
  public String stage() {
    return stage;
  }
}
