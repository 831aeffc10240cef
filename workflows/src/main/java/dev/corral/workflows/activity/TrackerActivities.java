package dev.corral.workflows.activity;

import dev.corral.workflows.model.TrackerPass;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Template discovery: one poll of every tracker source and provider listing. */
@ActivityInterface
public interface TrackerActivities {
  /**
   * Reads the sources, upserts templates, marks unusable ones and retires their idle pool VMs, and
   * starts the preparation builds that are missing (interleaved across groups). A source that
   * cannot be read is reported in the result and skipped; the others still count.
   */
  @ActivityMethod(name = "PollTemplates")
  TrackerPass poll();
}
