package dev.corral.workflows.lease;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.activity.LeaseWaitActivities;
import dev.corral.workflows.model.LeaseFill;
import dev.corral.workflows.model.LeaseWaitInput;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;

public final class LeaseWaitWorkflowImpl implements LeaseWaitWorkflow {
  /**
   * Each pass adds a handful of events; a long wait continues as new well below Temporal's limits.
   */
  static final int PASSES_PER_RUN = 500;

  private final LeaseWaitActivities leases = ActivityProfiles.leaseWait();
  private boolean woken;
  private LeaseFill lastFill;

  @Override
  public LeaseFill run(LeaseWaitInput input) {
    for (int pass = 0; pass < PASSES_PER_RUN; pass++) {
      // Cleared before reading the database, so a wake-up that arrives while we claim counts.
      woken = false;
      lastFill = leases.fill(input.leaseId());
      if (!lastFill.pending()) {
        return lastFill;
      }
      Duration left =
          Duration.between(Instant.ofEpochMilli(Workflow.currentTimeMillis()), input.waitUntil());
      if (left.isNegative() || left.isZero()) {
        // The pass just above was the last chance; what it could not find is the failure's reason.
        lastFill = leases.fail(input.leaseId());
        return lastFill;
      }
      Workflow.await(left.compareTo(input.recheck()) < 0 ? left : input.recheck(), () -> woken);
      if (Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    Workflow.continueAsNew(input);
    return lastFill;
  }

  @Override
  public void wake() {
    woken = true;
  }

  @Override
  public LeaseFill lastFill() {
    return lastFill;
  }
}
