package dev.corral.activities.temporal;

import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.VmTaskInput;
import dev.corral.workflows.task.VmTaskWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the workflows of VM tasks; the one place that builds their ids and options. Starting one
 * that already runs finds it, so start-up recovery may start every unfinished task again.
 */
public final class VmTasks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmTasks.class);

  /** Without a wake-up, a task queued behind another of its VM claims again this often. */
  public static final Duration RECHECK = Duration.ofSeconds(5);

  /** Tries of a start from {@link #startLater} before the task is failed. */
  static final int START_TRIES = 3;

  private final WorkflowClient client;
  private final VmTaskStore store;
  private final Clock clock;
  private final ExecutorService starter =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "vm-task-starts");
            t.setDaemon(true);
            return t;
          });

  public VmTasks(WorkflowClient client, VmTaskStore store, Clock clock) {
    this.client = client;
    this.store = store;
    this.clock = clock;
  }

  /** Starts the task's workflow unless it runs already. */
  public void start(String taskId) {
    VmTaskWorkflow stub =
        client.newWorkflowStub(
            VmTaskWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(WorkflowIds.vmTask(taskId))
                .setTaskQueue(TaskQueues.WORKFLOWS)
                .setWorkflowIdConflictPolicy(
                    WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .build());
    WorkflowClient.start(stub::run, new VmTaskInput(taskId, RECHECK));
  }

  /**
   * Starts the task's workflow off the caller's thread, so an HTTP request that queued the task
   * never waits on Temporal. When Temporal does not take the start after a few tries, the task is
   * failed rather than left queued with nothing to run it.
   */
  public void startLater(String taskId) {
    try {
      starter.execute(() -> startOrFail(taskId));
    } catch (RejectedExecutionException closing) {
      EventLog.warn(
          log,
          "VM task queued while Corral stops; it starts at the next start-up",
          EventLog.TASK,
          taskId);
    }
  }

  private void startOrFail(String taskId) {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= START_TRIES; attempt++) {
      try {
        start(taskId);
        return;
      } catch (RuntimeException e) {
        last = e;
        pause(attempt);
      }
    }
    EventLog.error(log, "could not start the VM task's workflow", last, EventLog.TASK, taskId);
    try {
      store.failQueued(
          taskId,
          "Corral could not start the task (Temporal did not answer): " + last.getMessage(),
          clock.instant());
    } catch (RuntimeException e) {
      EventLog.error(
          log, "could not record that the VM task failed to start", e, EventLog.TASK, taskId);
    }
  }

  /** Starts the workflows of every queued or running task; returns how many. */
  public int resumeUnfinished() {
    List<VmTaskRow> unfinished = store.unfinished();
    unfinished.forEach(task -> start(task.id()));
    return unfinished.size();
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(500L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    starter.shutdown();
    try {
      starter.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
