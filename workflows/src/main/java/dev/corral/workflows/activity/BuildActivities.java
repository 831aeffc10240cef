package dev.corral.workflows.activity;

import dev.corral.workflows.model.BuildEnd;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** The database side of a build: its slot on the provider and how it ended. */
@ActivityInterface
public interface BuildActivities {
  /**
   * Moves the build from queued to running if the provider has a free build slot ({@code
   * max_concurrent_builds}); returns false while it must wait. Idempotent: a running build gets
   * true again.
   */
  @ActivityMethod(name = "TryStartBuild")
  boolean tryStartBuild(long buildId);

  /** Records a failed or cancelled build and frees its slot, waking the next queued build. */
  @ActivityMethod(name = "EndBuild")
  void endBuild(BuildEnd end);
}
