package dev.corral.workflows.shepherd;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.VmNames;
import dev.corral.workflows.activity.InventoryActivities;
import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.ProvisionRequest;
import dev.corral.workflows.model.RetireRequest;
import dev.corral.workflows.model.ShepherdInput;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

public final class PoolShepherdWorkflowImpl implements PoolShepherdWorkflow {
  private static final Logger log = Workflow.getLogger(PoolShepherdWorkflowImpl.class);

  /**
   * Each pass adds about a dozen events; this keeps a run's history far below Temporal's limits.
   */
  static final int PASSES_PER_RUN = 200;

  /** The pause after a failed pass, doubling to {@link #MAX_PAUSE} while passes keep failing. */
  static final Duration FIRST_PAUSE = Duration.ofSeconds(1);

  static final Duration MAX_PAUSE = Duration.ofSeconds(30);

  private final InventoryActivities inventory = ActivityProfiles.localInventory();
  private boolean nudged;
  private PoolPlan lastPlan;

  @Override
  public void run(ShepherdInput input) {
    Duration pause = FIRST_PAUSE;
    for (int pass = 0; pass < PASSES_PER_RUN; pass++) {
      // Cleared before reading the database, so a nudge that arrives while we work triggers another
      // pass.
      nudged = false;
      PoolPlan plan;
      try {
        plan = pass(input);
      } catch (ActivityFailure failure) {
        // A shepherd must outlive anything a pass meets (a database outage above all): the pool
        // would
        // stay short until a restart. Every pass plans from the inventory afresh, so trying again
        // is safe.
        EventLog.warn(
            log,
            "shepherd pass failed; next try in " + pause.toSeconds() + " s: " + reason(failure),
            EventLog.POOL,
            input.pool());
        Workflow.await(pause, () -> nudged);
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
        continue;
      }
      pause = FIRST_PAUSE;
      if (plan.drained()) {
        EventLog.info(
            log, "pool removed and drained; its shepherd stops", EventLog.POOL, input.pool());
        return;
      }
      Workflow.await(plan.recheckAfter(), () -> nudged);
      if (Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
    }
    Workflow.await(Workflow::isEveryHandlerFinished);
    Workflow.continueAsNew(input);
  }

  private PoolPlan pass(ShepherdInput input) {
    PoolPlan plan = inventory.planPool(input.pool());
    lastPlan = plan;
    if (!plan.retire().isEmpty()) {
      inventory.retireVms(new RetireRequest(input.pool(), plan.retire()));
    }
    if (plan.toProvision() > 0) {
      inventory.provisionVms(new ProvisionRequest(input.pool(), newNames(plan.toProvision())));
    }
    return plan;
  }

  /** What the activity itself said, not Temporal's wrapping of it. */
  private static String reason(ActivityFailure failure) {
    Throwable cause = failure.getCause();
    if (cause instanceof ApplicationFailure app) {
      return app.getType() + ": " + app.getOriginalMessage();
    }
    return cause == null ? failure.getMessage() : String.valueOf(cause.getMessage());
  }

  private static List<String> newNames(int count) {
    List<String> names = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      names.add(VmNames.fromUuid(Workflow.randomUUID()));
    }
    return names;
  }

  @Override
  public void nudge() {
    nudged = true;
  }

  @Override
  public PoolPlan lastPlan() {
    return lastPlan;
  }
}
