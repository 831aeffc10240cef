package dev.corral.activities.reconcile;

import dev.corral.workflows.activity.ReconcileActivities;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.model.ReconcileRequest;

public final class ReconcileActivitiesImpl implements ReconcileActivities {
  private final Reconciler reconciler;

  public ReconcileActivitiesImpl(Reconciler reconciler) {
    this.reconciler = reconciler;
  }

  @Override
  public ReconcilePass reconcile(ReconcileRequest request) {
    return reconciler.pass(request);
  }
}
