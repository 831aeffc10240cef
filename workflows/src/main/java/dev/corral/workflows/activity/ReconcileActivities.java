package dev.corral.workflows.activity;

import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.model.ReconcileRequest;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The reconciler's pass: compares one provider's VMs with the database and heals the difference.
 */
@ActivityInterface
public interface ReconcileActivities {
  @ActivityMethod(name = "Reconcile")
  ReconcilePass reconcile(ReconcileRequest request);
}
