package dev.corral.workflows.activity;

import dev.corral.workflows.model.VmTaskRequest;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * A VM task's provider call, on the provider's own task queue. Each is idempotent by VM and
 * snapshot or disk id. A VM or snapshot the provider does not have is a non-retryable VmNotFound or
 * SnapshotNotFound.
 */
@ActivityInterface
public interface VmTaskProviderActivities {
  @ActivityMethod(name = "SnapshotVm")
  void snapshot(VmTaskRequest request);

  @ActivityMethod(name = "RevertVmSnapshot")
  void revert(VmTaskRequest request);

  @ActivityMethod(name = "AddVmDisk")
  void addDisk(VmTaskRequest request);
}
