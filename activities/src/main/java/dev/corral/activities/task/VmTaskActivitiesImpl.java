package dev.corral.activities.task;

import dev.corral.activities.store.VmTaskStore;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.VmTaskActivities;
import dev.corral.workflows.model.VmTaskClaim;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskResult;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class VmTaskActivitiesImpl implements VmTaskActivities {
  private static final Logger log = LoggerFactory.getLogger(VmTaskActivitiesImpl.class);

  private final VmTaskStore store;
  private final Clock clock;

  public VmTaskActivitiesImpl(VmTaskStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public VmTaskClaim claim(String taskId) {
    VmTaskClaim claim = store.claim(taskId, clock.instant());
    if (claim.decision() == VmTaskClaim.Decision.ENDED && claim.end().failureReason() != null) {
      EventLog.info(
          log,
          "VM task did not run: " + claim.end().failureReason(),
          EventLog.TASK,
          taskId,
          EventLog.VM,
          claim.vm());
    }
    return claim;
  }

  @Override
  public VmTaskEnd finish(VmTaskResult result) {
    VmTaskEnd end = store.finish(result.taskId(), result.failureReason(), clock.instant());
    EventLog.info(
        log,
        "VM task " + end.state() + (end.failureReason() == null ? "" : ": " + end.failureReason()),
        EventLog.TASK,
        result.taskId());
    return end;
  }
}
