package dev.corral.activities.templates;

import dev.corral.workflows.activity.TrackerActivities;
import dev.corral.workflows.model.TrackerPass;

public final class TrackerActivitiesImpl implements TrackerActivities {
  private final TemplateTracker tracker;

  public TrackerActivitiesImpl(TemplateTracker tracker) {
    this.tracker = tracker;
  }

  @Override
  public TrackerPass poll() {
    return tracker.poll();
  }
}
