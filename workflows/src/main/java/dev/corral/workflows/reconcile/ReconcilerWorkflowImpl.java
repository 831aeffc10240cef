package dev.corral.workflows.reconcile;

import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.ReconcileActivities;
import dev.corral.workflows.model.ReconcileInput;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.model.ReconcileRequest;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

public final class ReconcilerWorkflowImpl implements ReconcilerWorkflow {
  private static final Logger log = Workflow.getLogger(ReconcilerWorkflowImpl.class);

  /** Each pass adds a handful of events; a new run every 100 passes keeps the history short. */
  static final int PASSES_PER_RUN = 100;

  private ReconcilePass lastPass;

  @Override
  public void run(ReconcileInput input) {
    ReconcileActivities reconcile = ActivityProfiles.reconcile(input.provider());
    ReconcileInput state = input;
    for (int pass = 0; pass < PASSES_PER_RUN; pass++) {
      try {
        lastPass = reconcile.reconcile(ReconcileRequest.tick(state));
      } catch (ActivityFailure e) {
        // Not retried here: the next tick checks the same VMs again, so a dead provider cannot
        // wedge the loop.
        EventLog.warn(
            log,
            "reconcile pass failed; next in " + state.tick() + ": " + e.getMessage(),
            EventLog.PROVIDER,
            state.provider());
      }
      state = state.next();
      Workflow.sleep(state.tick());
      if (Workflow.getInfo().isContinueAsNewSuggested()) {
        break;
      }
    }
    Workflow.continueAsNew(state);
  }

  @Override
  public ReconcilePass lastPass() {
    return lastPass;
  }
}
