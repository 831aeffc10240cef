package dev.corral.activities.temporal;

import dev.corral.workflows.EventLog;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.lease.LeaseWaitWorkflow;
import dev.corral.workflows.model.LeaseWaitInput;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and wakes the workflows that fill pending leases; the one place that builds their ids and
 * options. Starting one that already runs is a no-op, so start-up recovery may start them all
 * again.
 */
public final class LeaseWaits {
  private static final Logger log = LoggerFactory.getLogger(LeaseWaits.class);

  /**
   * Without a wake-up, a pending lease looks at the ready VMs this often (a lost signal costs
   * this).
   */
  public static final Duration RECHECK = Duration.ofSeconds(3);

  private final WorkflowClient client;

  public LeaseWaits(WorkflowClient client) {
    this.client = client;
  }

  public void start(String leaseId, Instant waitUntil) {
    LeaseWaitWorkflow stub =
        client.newWorkflowStub(
            LeaseWaitWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.leaseWait(leaseId))
                .setTaskQueue(TaskQueues.WORKFLOWS)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .build());
    WorkflowClient.start(stub::run, new LeaseWaitInput(leaseId, waitUntil, RECHECK));
  }

  /**
   * Tells the lease's workflow to look again now; a lease whose workflow has ended is left alone.
   */
  public void wake(String leaseId) {
    try {
      client.newUntypedWorkflowStub(WorkflowIds.leaseWait(leaseId)).signal("wake");
    } catch (WorkflowNotFoundException ended) {
      log.debug("no workflow fills lease {} any more", leaseId);
    } catch (RuntimeException e) {
      EventLog.warn(
          log,
          "could not wake the pending lease's workflow (it looks again within "
              + RECHECK
              + "): "
              + e.getMessage(),
          EventLog.LEASE,
          leaseId);
    }
  }
}
