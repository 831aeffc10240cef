package dev.corral.activities.build;

import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.workflows.EventLog;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the oldest queued builds of a provider that a build slot freed, so they start at once
 * instead of on their backstop timer. Only the oldest few are woken: they are the ones the slot
 * goes to.
 */
public final class BuildWaker {
  private static final Logger log = LoggerFactory.getLogger(BuildWaker.class);
  private static final int WAKE_AT_MOST = 8;

  private final Db db;
  private final WorkflowClient client;

  public BuildWaker(Db db, WorkflowClient client) {
    this.db = db;
    this.client = client;
  }

  public void slotFreed(String provider) {
    List<BuildRow> queued =
        db.inTransaction(s -> s.getMapper(BuildMapper.class).oldestQueued(provider, WAKE_AT_MOST));
    for (BuildRow build : queued) {
      try {
        client.newUntypedWorkflowStub(build.workflowId()).signal("slotFreed");
      } catch (WorkflowNotFoundException gone) {
        log.debug("queued build {} has no workflow (start-up recovery restarts it)", build.id());
      } catch (RuntimeException e) {
        EventLog.warn(
            log,
            "could not wake the queued build: " + e.getMessage(),
            EventLog.BUILD,
            build.id(),
            EventLog.PROVIDER,
            build.provider());
      }
    }
  }
}
