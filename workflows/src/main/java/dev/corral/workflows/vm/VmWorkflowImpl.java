package dev.corral.workflows.vm;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.DatabaseOutages;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.InventoryActivities;
import dev.corral.workflows.activity.ProviderActivities;
import dev.corral.workflows.model.CleanRequest;
import dev.corral.workflows.model.CloneRequest;
import dev.corral.workflows.model.DestroyRequest;
import dev.corral.workflows.model.ReadyOutcome;
import dev.corral.workflows.model.ReadyRequest;
import dev.corral.workflows.model.VmFailed;
import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.model.VmRetirement;
import dev.corral.workflows.model.VmReuse;
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

  /** The latest release for reuse; releases are told apart by their {@code uses}. */
  private VmReuse reuse;

  /** The {@code uses} of the last release for reuse this workflow handled. */
  private int handledUses;

  /** The {@code uses} of the latest lease that took the VM while it was held for its owner. */
  private int leasedUses;

  @Override
  public void run(VmRequest request) {
    boolean alive =
        switch (request.phase()) {
          case PROVISION -> provision(request);
          case HOLD -> true;
          case DESTROY -> false;
        };
    if ("failed".equals(stage)) {
      return;
    }
    if (alive) {
      stage = "ready";
      serve(request);
    }
    stage = "destroying";
    ActivityProfiles.destroy(request.provider())
        .destroyVm(new DestroyRequest(request.provider(), request.vm()));
    inventory.markDestroyed(request.vm());
    stage = "destroyed";
  }

  /**
   * Runs clone-and-boot tries until one gives a ready VM. Returns true when the VM is ready and
   * wanted, false when it must be destroyed (retired meanwhile) or has failed for good.
   */
  private boolean provision(VmRequest request) {
    ProviderActivities cloner = ActivityProfiles.clone(request.provider(), request.bootTimeout());
    ProviderActivities waiter =
        ActivityProfiles.awaitReady(request.provider(), request.bootTimeout());
    ProviderActivities destroyer = ActivityProfiles.destroy(request.provider());
    // Both calls also write the inventory: an unreachable database makes them wait, not fail the
    // try.
    DatabaseOutages outages = new DatabaseOutages();
    String lastReason = "never tried";
    for (int attempt = 1; attempt <= request.maxTries() && retiredFor == null; attempt++) {
      long started = Workflow.currentTimeMillis();
      Duration lostBefore = outages.lost();
      try {
        outages.outlast(
            "clone of " + request.vm(),
            () ->
                cloner.cloneVm(
                    new CloneRequest(
                        request.provider(), request.vm(), request.template(), request.shape())));
        // The activity also marks the VM ready in the inventory; a retirement moved the row to
        // destroying first, so then the VM is not wanted and is destroyed below.
        ReadyOutcome ready =
            outages.outlast(
                "boot wait of " + request.vm(),
                () -> {
                  // The boot deadline covers clone and boot together, as users read boot_timeout;
                  // time lost to a
                  // database outage is not the VM's.
                  long spent =
                      Workflow.currentTimeMillis()
                          - started
                          - outages.lost().minus(lostBefore).toMillis();
                  Duration left = request.bootTimeout().minusMillis(spent);
                  return waiter.awaitReady(
                      new ReadyRequest(request.provider(), request.vm(), positive(left)));
                });
        return ready.wanted() && retiredFor == null;
      } catch (ActivityFailure failure) {
        lastReason = reason(failure);
        EventLog.warn(
            log,
            "VM try " + attempt + "/" + request.maxTries() + " failed: " + lastReason,
            EventLog.VM,
            request.vm(),
            EventLog.POOL,
            request.pool(),
            EventLog.PROVIDER,
            request.provider());
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

  /**
   * The VM's service: it is ready or leased until retired; a release for reuse cleans it and holds
   * it for its owner until they lease it again (then it serves again) or {@code keepFor} passes.
   * The inventory's compare-and-set answers settle every race with claims and retirements, so a
   * lost or late signal costs at most a wait. Returns when the VM is to be destroyed.
   */
  private void serve(VmRequest request) {
    while (true) {
      Workflow.await(() -> retiredFor != null || reuseRequested());
      if (retiredFor != null) {
        return;
      }
      VmReuse release = reuse;
      handledUses = release.uses();
      long releasedAt = Workflow.currentTimeMillis();
      if (!release.cleaned() && !clean(request)) {
        return;
      }
      if (!inventory.markReusable(request.vm())) {
        return; // retired while it was being cleaned
      }
      stage = "reusable";
      Duration left = release.keepFor().minusMillis(Workflow.currentTimeMillis() - releasedAt);
      boolean woken =
          Workflow.await(
              positive(left),
              () -> retiredFor != null || leasedUses > handledUses || reuseRequested());
      if (retiredFor != null) {
        return;
      }
      if (!woken
          && inventory.expireReusable(
              new VmRetirement(
                  request.vm(), "not leased again by its owner within reuse_within"))) {
        return;
      }
      // Leased again (its signal may still be on the way): serve until its next release or
      // retirement.
      stage = "leased";
    }
  }

  /**
   * Runs the provider's cleanup hook; false (and the VM marked destroying) when it failed for good.
   */
  private boolean clean(VmRequest request) {
    stage = "cleaning";
    try {
      ActivityProfiles.cleanup(request.provider())
          .cleanVm(new CleanRequest(request.provider(), request.vm()));
      return true;
    } catch (ActivityFailure failure) {
      String why = reason(failure);
      EventLog.warn(
          log,
          "VM could not be cleaned for reuse, destroying it: " + why,
          EventLog.VM,
          request.vm(),
          EventLog.POOL,
          request.pool(),
          EventLog.PROVIDER,
          request.provider());
      inventory.cleanupFailed(new VmRetirement(request.vm(), "cleanup for reuse failed: " + why));
      return false;
    }
  }

  private boolean reuseRequested() {
    return reuse != null && reuse.uses() > handledUses;
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
  public void holdForOwner(VmReuse release) {
    if (reuse == null || release.uses() > reuse.uses()) {
      reuse = release;
    }
  }

  @Override
  public void leasedAgain(int uses) {
    leasedUses = Math.max(leasedUses, uses);
  }

  @Override
  public String stage() {
    return stage;
  }
}
