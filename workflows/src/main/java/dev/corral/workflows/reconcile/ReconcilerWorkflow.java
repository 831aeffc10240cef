package dev.corral.workflows.reconcile;

import dev.corral.workflows.model.ReconcileInput;
import dev.corral.workflows.model.ReconcilePass;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One provider's reconciler: every tick a staggered pass checks the VMs not checked within the
 * window, and once per window it also looks for unknown VMs. Continues-as-new, never ends.
 */
@WorkflowInterface
public interface ReconcilerWorkflow {
  @WorkflowMethod(name = "Reconciler")
  void run(ReconcileInput input);

  @QueryMethod
  ReconcilePass lastPass();
}
