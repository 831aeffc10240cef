package dev.corral.activities.task;

import static dev.corral.activities.ProviderCalls.run;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.workflows.activity.VmTaskProviderActivities;
import dev.corral.workflows.model.VmTaskRequest;

/**
 * The provider calls of VM tasks; failures are typed by {@link
 * dev.corral.activities.ProviderCalls}.
 */
public final class VmTaskProviderActivitiesImpl implements VmTaskProviderActivities {
  private final ProviderRegistry providers;

  public VmTaskProviderActivitiesImpl(ProviderRegistry providers) {
    this.providers = providers;
  }

  /**
   * The snapshot's id is its task's id, so a repeated call finds the snapshot the first one took.
   */
  @Override
  public void snapshot(VmTaskRequest request) {
    run(() -> providers.get(request.provider()).snapshot(request.vm(), request.taskId()));
  }

  @Override
  public void revert(VmTaskRequest request) {
    run(() -> providers.get(request.provider()).revertSnapshot(request.vm(), request.argument()));
  }

  /** The disk's id is its task's id, so a repeated call finds the disk the first one added. */
  @Override
  public void addDisk(VmTaskRequest request) {
    run(
        () ->
            providers
                .get(request.provider())
                .addDisk(request.vm(), request.taskId(), Integer.parseInt(request.argument())));
  }
}
