package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedControls.VmTaskState;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.activities.temporal.VmTasks;
import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskKinds;
import dev.corral.workflows.task.VmTaskWorkflowImpl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** VM tasks carried out by their workflows, with the real database, provider and VM workflows. */
class VmTaskWorkflowTest {
  private static final String POOL = "tasks";

  private CorralHarness corral;
  private VmTaskStore store;
  private VmTasks tasks;
  private LeaseStore.Lease lease;
  private String vm;

  @AfterEach
  void closeHarness() {
    if (tasks != null) {
      tasks.close();
    }
    if (corral != null) {
      corral.close();
    }
  }

  /** A pool of one VM, leased to carol. */
  private void start(BiConsumer<String, Object[]> beforeActivity) {
    CorralHarness.Options options = new CorralHarness.Options();
    if (beforeActivity != null) {
      options.beforeActivity(beforeActivity);
    }
    corral = CorralHarness.start(options);
    store = new VmTaskStore(corral.db);
    tasks = new VmTasks(corral.client, store, corral.clock);
    corral.applyConfig(pool(POOL, 1, 3));
    corral.startShepherd(POOL);
    corral.awaitSettled(POOL, 1);
    lease =
        corral.leases.claim(
            "lease-carol", "carol", Map.of(POOL, 1), Instant.now(), Duration.ofHours(1));
    vm = lease.vms().get(0).name();
  }

  /** What the API does: the task row, then its workflow. */
  private String request(String kind, String argument) {
    String id = UUID.randomUUID().toString().replace("-", "");
    store.create(
        VmTaskRow.queued(id, vm, lease.lease().id(), kind, argument, "carol", Instant.now()));
    tasks.start(id);
    return id;
  }

  /** The workflow's outcome; waiting on it lets the test server skip retry back-off. */
  private VmTaskEnd outcome(String taskId) {
    try {
      return corral
          .client
          .newUntypedWorkflowStub(WorkflowIds.vmTask(taskId))
          .getResult(60, TimeUnit.SECONDS, VmTaskEnd.class);
    } catch (TimeoutException e) {
      throw new AssertionError("vm task " + taskId + " did not end: " + row(taskId), e);
    }
  }

  private VmTaskRow row(String taskId) {
    return store.find(taskId).orElseThrow();
  }

  private VmTaskState onProvider() {
    return corral.provider.controls().vmTaskState(vm).orElseThrow();
  }

  @Test
  void snapshotRevertAndDisk_askedAtOnce_runOneAfterAnotherInOrder_andAreDone() throws Exception {
    start(null);

    String snapshot = request(VmTaskKinds.SNAPSHOT, null);
    String revert = request(VmTaskKinds.REVERT, snapshot);
    String disk = request(VmTaskKinds.DISK, "8");

    assertEquals(VmTaskRow.DONE, outcome(disk).state());
    assertEquals(VmTaskRow.DONE, outcome(snapshot).state());
    assertEquals(VmTaskRow.DONE, outcome(revert).state());
    List<VmTaskRow> rows = store.ofVm(vm);
    assertEquals(List.of(snapshot, revert, disk), rows.stream().map(VmTaskRow::id).toList());
    for (int i = 1; i < rows.size(); i++) {
      assertFalse(
          rows.get(i).startedAt().isBefore(rows.get(i - 1).endedAt()),
          "task " + i + " started only after task " + (i - 1) + " ended: " + rows);
    }
    assertEquals(new VmTaskState(List.of(snapshot), Map.of(disk, 8), snapshot, 1), onProvider());
    corral.assertReplays(WorkflowIds.vmTask(revert), VmTaskWorkflowImpl.class);
  }

  @Test
  void
      aProviderFailureThatOutlastsTheRetries_failsTheTaskWithTheProvidersReason_andTheNextTaskStillRuns() {
    start(null);
    for (int i = 0; i < ActivityProfiles.VM_TASK_ATTEMPTS; i++) {
      corral.provider.controls().failNext(Operation.ADD_DISK, "datastore full");
    }

    String disk = request(VmTaskKinds.DISK, "8");
    String snapshot = request(VmTaskKinds.SNAPSHOT, null);

    VmTaskEnd failed = outcome(disk);
    assertEquals(VmTaskRow.FAILED, failed.state());
    assertTrue(failed.failureReason().contains("datastore full"), failed.failureReason());
    assertEquals(failed.failureReason(), row(disk).failureReason());
    assertEquals(VmTaskRow.DONE, outcome(snapshot).state());
    assertEquals(Map.of(), onProvider().disksGb(), "no disk was added");
  }

  @Test
  void aVmReleasedBeforeItsTaskRuns_failsTheTaskWithVmNoLongerLeased_andTheProviderIsNotAsked() {
    start(null);
    String id = UUID.randomUUID().toString().replace("-", "");
    store.create(
        VmTaskRow.queued(
            id, vm, lease.lease().id(), VmTaskKinds.SNAPSHOT, null, "carol", Instant.now()));
    corral.leases.end(lease.lease().id(), LeaseRow.RELEASED, "released by request", Instant.now());

    tasks.start(id);

    VmTaskEnd end = outcome(id);
    assertEquals(VmTaskRow.FAILED, end.state());
    assertEquals(VmTaskStore.NOT_LEASED, end.failureReason());
    assertNull(row(id).startedAt(), "it never ran");
    assertEquals(List.of(), onProvider().snapshots());
  }

  @Test
  void aVmReleasedAndDestroyedWhileItsSnapshotIsTaken_failsTheTaskWithVmNoLongerLeased() {
    start(
        (activity, args) -> {
          if (activity.equals("SnapshotVm")) {
            // The user gives the VM back and its destroy wins the race with the snapshot.
            corral.leases.end(
                lease.lease().id(), LeaseRow.RELEASED, "released by request", Instant.now());
            corral.provider.destroy(vm);
          }
        });

    String id = request(VmTaskKinds.SNAPSHOT, null);

    VmTaskEnd end = outcome(id);
    assertEquals(VmTaskRow.FAILED, end.state());
    assertEquals(VmTaskStore.NOT_LEASED, end.failureReason());
    assertTrue(
        corral.provider.controls().vmTaskState(vm).isEmpty(),
        "nothing was made on a VM that is gone");
  }

  @Test
  void aTaskLeftRunningByARestart_isRunAgainByRecovery_andTheProviderDoesItOnce() {
    start(null);
    String id = UUID.randomUUID().toString().replace("-", "");
    store.create(
        VmTaskRow.queued(
            id, vm, lease.lease().id(), VmTaskKinds.SNAPSHOT, null, "carol", Instant.now()));
    // The workflow claimed it and the provider took the snapshot, then the embedded Temporal server
    // was lost.
    store.claim(id, Instant.now());
    corral.provider.snapshot(vm, id);

    assertEquals(1, tasks.resumeUnfinished());

    assertEquals(VmTaskRow.DONE, outcome(id).state());
    assertEquals(List.of(id), onProvider().snapshots());
    assertEquals(0, tasks.resumeUnfinished(), "nothing is left to resume");
  }
}
