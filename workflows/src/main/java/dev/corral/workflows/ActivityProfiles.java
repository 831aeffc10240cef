package dev.corral.workflows;

import dev.corral.workflows.activity.InventoryActivities;
import dev.corral.workflows.activity.LeaseWaitActivities;
import dev.corral.workflows.activity.ProviderActivities;
import dev.corral.workflows.activity.ReconcileActivities;
import dev.corral.workflows.activity.VmTaskActivities;
import dev.corral.workflows.activity.VmTaskProviderActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.activity.LocalActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** Named activity option profiles; no activity relies on a default timeout. */
public final class ActivityProfiles {
  /**
   * Short database work: retried until the database answers, since nothing can proceed without it.
   */
  static final ActivityOptions INVENTORY =
      ActivityOptions.newBuilder()
          .setTaskQueue(TaskQueues.WORKFLOWS)
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(
              RetryOptions.newBuilder()
                  .setInitialInterval(Duration.ofMillis(500))
                  .setMaximumInterval(Duration.ofSeconds(30))
                  .build())
          .build();

  /**
   * The shepherd's own passes (plan, provision, retire) run as local activities: they are short
   * database work in the worker that runs the shepherd, and skipping the task-queue round trips
   * starts the next VM's clone sooner after a slot frees.
   *
   * <p>Tries are counted here: the SDK does not retry a local activity at all when its attempts are
   * unlimited and it has no schedule-to-close timeout. A pass that still fails is the shepherd's to
   * outlast (it tries the whole pass again), which no local retry policy could do for an outage of
   * any length.
   */
  static final LocalActivityOptions LOCAL_INVENTORY =
      LocalActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(INVENTORY.getRetryOptions().toBuilder().setMaximumAttempts(3).build())
          .build();

  /**
   * Clone and boot: a provider's own failure is final for this try (the VM workflow starts a fresh
   * try); a lost worker or a timeout is retried a couple of times because the call is idempotent.
   */
  private static RetryOptions tryRetries() {
    return RetryOptions.newBuilder()
        .setInitialInterval(Duration.ofSeconds(1))
        .setMaximumAttempts(3)
        .setDoNotRetry(ErrorTypes.PERMANENT)
        .build();
  }

  /**
   * One cleanup attempt's limit. The shepherd treats a VM cleaning far longer than its tries can
   * take as one whose signal was lost, and destroys it.
   */
  public static final Duration CLEANUP_TIMEOUT = Duration.ofMinutes(5);

  /** Destroy is retried without limit: giving up would leak a VM on the provider. */
  private static final RetryOptions DESTROY_RETRIES =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setMaximumInterval(Duration.ofMinutes(1))
          .setDoNotRetry(ErrorTypes.UNKNOWN_PROVIDER)
          .build();

  public static InventoryActivities inventory() {
    return Workflow.newActivityStub(InventoryActivities.class, INVENTORY);
  }

  public static InventoryActivities localInventory() {
    return Workflow.newLocalActivityStub(InventoryActivities.class, LOCAL_INVENTORY);
  }

  /** A pending lease's claims and failure: short database work, retried like the inventory's. */
  public static LeaseWaitActivities leaseWait() {
    return Workflow.newActivityStub(LeaseWaitActivities.class, INVENTORY);
  }

  public static ProviderActivities clone(String provider, Duration bootTimeout) {
    return Workflow.newActivityStub(
        ProviderActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(bootTimeout)
            .setRetryOptions(tryRetries())
            .build());
  }

  public static ProviderActivities awaitReady(String provider, Duration bootTimeout) {
    return Workflow.newActivityStub(
        ProviderActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            // The activity enforces the boot deadline itself; this is only the backstop.
            .setStartToCloseTimeout(bootTimeout.plusSeconds(30))
            .setHeartbeatTimeout(Duration.ofSeconds(30))
            .setRetryOptions(tryRetries())
            .build());
  }

  /**
   * The cleanup hook of a released VM: the provider's own failure is final (the VM is destroyed
   * instead of reused); a lost worker or a timeout is retried a couple of times, cleaning being
   * idempotent.
   */
  public static ProviderActivities cleanup(String provider) {
    return Workflow.newActivityStub(
        ProviderActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(CLEANUP_TIMEOUT)
            .setRetryOptions(tryRetries())
            .build());
  }

  public static ProviderActivities destroy(String provider) {
    return Workflow.newActivityStub(
        ProviderActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(Duration.ofMinutes(10))
            .setRetryOptions(DESTROY_RETRIES)
            .build());
  }

  /** A VM task's claim and finish: short database work, retried like the inventory's. */
  public static VmTaskActivities vmTasks() {
    return Workflow.newActivityStub(VmTaskActivities.class, INVENTORY);
  }

  /** Tries of a VM task's provider call that fails transiently, before the task fails. */
  public static final int VM_TASK_ATTEMPTS = 5;

  /**
   * A snapshot, revert or disk: a transient provider failure or a lost worker is retried (the calls
   * are idempotent by snapshot or disk id); a permanent one (no such VM or snapshot) fails the task
   * at once.
   */
  public static VmTaskProviderActivities vmTaskProvider(String provider) {
    return Workflow.newActivityStub(
        VmTaskProviderActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(Duration.ofMinutes(15))
            .setRetryOptions(
                RetryOptions.newBuilder()
                    .setInitialInterval(Duration.ofSeconds(1))
                    .setMaximumInterval(Duration.ofSeconds(30))
                    .setMaximumAttempts(VM_TASK_ATTEMPTS)
                    .setDoNotRetry(ErrorTypes.PERMANENT)
                    .build())
            .build());
  }

  /**
   * A reconcile pass on the provider's queue (its worker's slots cap the calls it adds): database
   * work and a bounded number of provider calls. Not retried: the next tick checks the same VMs
   * again.
   */
  public static ReconcileActivities reconcile(String provider) {
    return Workflow.newActivityStub(
        ReconcileActivities.class,
        ActivityOptions.newBuilder()
            .setTaskQueue(TaskQueues.provider(provider))
            .setStartToCloseTimeout(Duration.ofMinutes(10))
            .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
            .build());
  }

  private ActivityProfiles() {}
}
