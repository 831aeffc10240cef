package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.build.TemplateHarness;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.BuildStepRow;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.Reconcilers;
import dev.corral.activities.temporal.Tracker;
import dev.corral.activities.temporal.VmTasks;
import dev.corral.workflows.ActivityProfiles;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.build.TemplateBuildWorkflowImpl;
import dev.corral.workflows.lease.LeaseWaitWorkflowImpl;
import dev.corral.workflows.model.BuildEnd;
import dev.corral.workflows.model.BuildSteps;
import dev.corral.workflows.model.LeaseFill;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskKinds;
import dev.corral.workflows.reconcile.ReconcilerWorkflowImpl;
import dev.corral.workflows.shepherd.PoolShepherdWorkflowImpl;
import dev.corral.workflows.task.VmTaskWorkflowImpl;
import dev.corral.workflows.tracker.TemplateTrackerWorkflow;
import dev.corral.workflows.tracker.TemplateTrackerWorkflowImpl;
import dev.corral.workflows.vm.VmWorkflowImpl;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Records the histories that {@code CommittedHistoriesReplayTest} replays: each scenario runs the
 * real workflows and activities on a MariaDB and the simulated provider, then writes one workflow's
 * history. Not part of {@code mvn test} (its name is no test's, and it is skipped without {@link
 * HistoryFiles#DIRECTORY}); how to run it is in the histories' README.
 */
@EnabledIfSystemProperty(named = HistoryFiles.DIRECTORY, matches = ".+")
class HistoryRecorder {
  @Test
  void trackerPollFindsANewBuild() throws Exception {
    Path document = Path.of("target", "history-recorder", "builds-" + UUID.randomUUID() + ".yaml");
    Files.createDirectories(document.getParent());
    Files.writeString(document, "builds: []\n");
    try (TemplateHarness h =
        TemplateHarness.start(new TemplateHarness.Options().trackerFile(document))) {
      new Tracker(h.client).ensureRunning(Duration.ofHours(1));
      TemplateTrackerWorkflow loop =
          h.client.newWorkflowStub(TemplateTrackerWorkflow.class, WorkflowIds.tracker());
      h.await("the first poll", () -> loop.lastPass() != null);
      Files.writeString(
          document,
          "builds:\n  - {group: "
              + TemplateHarness.GROUP
              + ", name: debian-12-20261120, "
              + "version: \"12.8\", date: "
              + LocalDate.now(ZoneOffset.UTC)
              + ", ga: true, usable: true, providers: ["
              + TemplateHarness.PROVIDER
              + "]}\n");
      new Tracker(h.client).pollNow();
      h.await("the asked-for poll records the build", () -> loop.lastPass().recorded() == 1);
      HistoryFiles.write(
          h.client,
          WorkflowIds.tracker(),
          TemplateTrackerWorkflowImpl.class,
          "tracker-found-a-new-build.json");
    }
  }

  @Test
  void shepherdFillsAPoolWithOneBootRetried_thenShrinksIt() throws Exception {
    // Only nudges start passes (a 1 s poll would add a pass to the shepherd's history every
    // second).
    try (CorralHarness corral =
        CorralHarness.start(new CorralHarness.Options().shepherdPoll(Duration.ofMinutes(10)))) {
      corral.provider.controls().failNext(Operation.BOOT, "kernel panic");
      corral.applyConfig(pool("shep", 3, 3));
      corral.startShepherd("shep");
      corral.awaitSettled("shep", 3);
      List<VmRow> retried = corral.rows("shep").stream().filter(vm -> vm.attempts() > 0).toList();
      assertEquals(1, retried.size(), corral.describe("shep"));

      corral.applyConfig(pool("shep", 1, 3));
      corral.nudgeShepherd("shep");
      corral.awaitSettled("shep", 1);
      List<VmRow> destroyed = corral.rows("shep", VmStates.DESTROYED);
      assertEquals(2, destroyed.size(), corral.describe("shep"));
      // The oldest ready VMs go first: the one whose boot was retried became ready last and stays.
      VmRow kept = corral.rows("shep", VmStates.READY).get(0);
      assertEquals(retried.get(0).name(), kept.name(), corral.describe("shep"));
      String gone = destroyed.get(0).name();
      corral
          .client
          .newUntypedWorkflowStub(WorkflowIds.vm(gone))
          .getResult(60, TimeUnit.SECONDS, Void.class);

      HistoryFiles.write(
          corral.client,
          WorkflowIds.shepherd("shep"),
          PoolShepherdWorkflowImpl.class,
          "shepherd.json");
      HistoryFiles.write(
          corral.client, WorkflowIds.vm(kept.name()), VmWorkflowImpl.class, "vm-ready.json");
      HistoryFiles.write(
          corral.client, WorkflowIds.vm(gone), VmWorkflowImpl.class, "vm-destroyed.json");
    }
  }

  @Test
  void vmFailingBothTriesToBoot_isMarkedFailed() throws Exception {
    try (CorralHarness corral =
        CorralHarness.start(new CorralHarness.Options().shepherdPoll(Duration.ofMinutes(10)))) {
      // max_tries is 2: both tries of the first VM fail to boot.
      corral.provider.controls().failNext(Operation.BOOT, "disk not found");
      corral.provider.controls().failNext(Operation.BOOT, "disk not found");
      corral.applyConfig(pool("doomed", 1, 2));
      corral.startShepherd("doomed");
      corral.await(
          "a failed VM row",
          () -> !corral.rows("doomed", VmStates.FAILED).isEmpty(),
          () -> corral.describe("doomed"));
      VmRow failed = corral.rows("doomed", VmStates.FAILED).get(0);
      assertEquals(2, failed.attempts(), corral.describe("doomed"));
      corral
          .client
          .newUntypedWorkflowStub(WorkflowIds.vm(failed.name()))
          .getResult(60, TimeUnit.SECONDS, Void.class);
      HistoryFiles.write(
          corral.client, WorkflowIds.vm(failed.name()), VmWorkflowImpl.class, "vm-failed.json");
    }
  }

  @Test
  void buildRunsEveryStepOfTheChain() throws Exception {
    try (TemplateHarness h = TemplateHarness.start()) {
      BuildRow build = h.starter.start(h.rawTemplate("debian-12-20261120", "12.8").id());
      assertEquals(
          BuildEnd.SUCCEEDED, h.workflow(build).getResult(60, TimeUnit.SECONDS, String.class));
      assertEquals(BuildRow.SUCCEEDED, h.build(build.id()).state(), h.describe(build.id()));
      HistoryFiles.write(
          h.client, build.workflowId(), TemplateBuildWorkflowImpl.class, "build-succeeded.json");
    }
  }

  @Test
  void buildFailsForGoodAtConfigure_andDeletesWhatItMade() throws Exception {
    try (TemplateHarness h = TemplateHarness.start()) {
      h.provider.controls().failNextPermanently(Operation.CONFIGURE, "broken configure");
      BuildRow build = h.starter.start(h.rawTemplate("debian-12-20261120", "12.8").id());
      assertThrows(
          WorkflowFailedException.class,
          () -> h.workflow(build).getResult(60, TimeUnit.SECONDS, String.class));
      BuildRow done = h.build(build.id());
      assertEquals(BuildRow.FAILED, done.state(), h.describe(build.id()));
      assertEquals(BuildSteps.CONFIGURE, done.step());
      assertEquals(BuildStepRow.SUCCEEDED, h.step(build.id(), BuildSteps.DELETE_ON_ERROR).state());
      HistoryFiles.write(
          h.client,
          build.workflowId(),
          TemplateBuildWorkflowImpl.class,
          "build-failed-at-configure.json");
    }
  }

  @Test
  void reconcilerRetiresAReadyVmTheProviderLost() throws Exception {
    try (CorralHarness corral =
        CorralHarness.start(
            new CorralHarness.Options()
                .clockOfTestEnvironment()
                .reconcile(ReconcilerWorkflowTest.FAST))) {
      corral.applyConfig(pool("lost", 2, 3));
      corral.startShepherd("lost");
      corral.awaitSettled("lost", 2);
      String victim = corral.rows("lost", VmStates.READY).get(0).name();
      corral.provider.destroy(victim);
      new Reconcilers(corral.client)
          .ensureRunning(CorralHarness.PROVIDER, ReconcilerWorkflowTest.FAST);
      corral.await(
          "the lost VM retired", () -> VmStates.DESTROYED.equals(corral.row(victim).state()));
      HistoryFiles.write(
          corral.client,
          WorkflowIds.reconcile(CorralHarness.PROVIDER),
          ReconcilerWorkflowImpl.class,
          "reconciler-retired-a-lost-vm.json");
    }
  }

  @Test
  void leaseWaitIsFilledAsVmsBecomeReady() throws Exception {
    try (CorralHarness corral = CorralHarness.start()) {
      corral.applyConfig(pool("grow", 2, 3));
      corral.startShepherd("grow");
      corral.awaitSettled("grow", 2);
      requestPending(corral, "wait-grow", "grow", 3, Duration.ofHours(1));
      assertEquals(LeaseRow.ACTIVE, leaseWaitResult(corral, "wait-grow").state());
      HistoryFiles.write(
          corral.client,
          WorkflowIds.leaseWait("wait-grow"),
          LeaseWaitWorkflowImpl.class,
          "lease-wait-filled.json");
    }
  }

  @Test
  void leaseWaitTimesOutWhenTheProviderIsFull() throws Exception {
    // The provider holds 3 VMs: a lease for 4 is never filled, and fails at its deadline. The wait
    // is short
    // because every 3 s recheck is a pass in the history (5 minutes made 1,100 events).
    try (CorralHarness corral =
        CorralHarness.start(
            new CorralHarness.Options()
                .maxVms(3)
                .clockOfTestEnvironment()
                .shepherdPoll(Duration.ofMinutes(10)))) {
      corral.applyConfig(pool("cap", 2, 3));
      corral.startShepherd("cap");
      corral.awaitSettled("cap", 2);
      PendingLeaseStore pending =
          requestPending(corral, "wait-cap", "cap", 4, Duration.ofSeconds(10));
      corral.await(
          "the lease holds all 3 VMs the provider can make",
          () -> pending.find("wait-cap").orElseThrow().vms().size() == 3);
      corral.env.sleep(Duration.ofSeconds(15));
      assertEquals(PendingLeaseStore.FAILED, leaseWaitResult(corral, "wait-cap").state());
      HistoryFiles.write(
          corral.client,
          WorkflowIds.leaseWait("wait-cap"),
          LeaseWaitWorkflowImpl.class,
          "lease-wait-timed-out.json");
    }
  }

  /**
   * What the API does for a lease with a wait: the pending rows, its workflow, a nudge to the
   * shepherd.
   */
  private static PendingLeaseStore requestPending(
      CorralHarness corral, String id, String pool, int vms, Duration wait) {
    PendingLeaseStore pending = new PendingLeaseStore(corral.db);
    Instant now = corral.clock.instant();
    pending.create(
        new PendingLeaseStore.NewPendingLease(
            id,
            "carol",
            List.of(new LeaseDemandRow(id, 0, pool, pool, vms)),
            now,
            now.plus(wait),
            Duration.ofHours(2),
            null,
            "v1",
            List.of()));
    new LeaseWaits(corral.client).start(id, now.plus(wait));
    corral.nudger.leased(pool);
    return pending;
  }

  private static LeaseFill leaseWaitResult(CorralHarness corral, String id) throws Exception {
    return corral
        .client
        .newUntypedWorkflowStub(WorkflowIds.leaseWait(id))
        .getResult(60, TimeUnit.SECONDS, LeaseFill.class);
  }

  @Test
  void vmTasksOfOneVmRunInTurn_theSecondWaitsUntilTheFirstWakesIt() throws Exception {
    try (CorralHarness corral = CorralHarness.start();
        VmTasks tasks = leasedVmTasks(corral)) {
      VmTaskStore store = new VmTaskStore(corral.db);
      String snapshot = queue(corral, store, VmTaskKinds.SNAPSHOT, null);
      String disk = queue(corral, store, VmTaskKinds.DISK, "8");
      // The disk task starts first and must wait for the snapshot queued before it: the wait loop
      // is recorded.
      tasks.start(disk);
      corral.await(
          "the disk task waits its turn",
          () ->
              corral.client.fetchHistory(WorkflowIds.vmTask(disk)).getEvents().stream()
                  .anyMatch(HistoryEvent::hasTimerStartedEventAttributes));
      tasks.start(snapshot);
      assertEquals(VmTaskRow.DONE, outcome(corral, snapshot).state());
      assertEquals(VmTaskRow.DONE, outcome(corral, disk).state());
      HistoryFiles.write(
          corral.client,
          WorkflowIds.vmTask(snapshot),
          VmTaskWorkflowImpl.class,
          "vm-task-snapshot-done-woke-next.json");
      HistoryFiles.write(
          corral.client,
          WorkflowIds.vmTask(disk),
          VmTaskWorkflowImpl.class,
          "vm-task-disk-waited-then-done.json");
    }
  }

  @Test
  void vmTaskFailsWhenTheProviderFailsEveryTry() throws Exception {
    try (CorralHarness corral = CorralHarness.start();
        VmTasks tasks = leasedVmTasks(corral)) {
      for (int i = 0; i < ActivityProfiles.VM_TASK_ATTEMPTS; i++) {
        corral.provider.controls().failNext(Operation.ADD_DISK, "datastore full");
      }
      String disk = queue(corral, new VmTaskStore(corral.db), VmTaskKinds.DISK, "8");
      tasks.start(disk);
      VmTaskEnd end = outcome(corral, disk);
      assertEquals(VmTaskRow.FAILED, end.state());
      assertTrue(end.failureReason().contains("datastore full"), end.failureReason());
      HistoryFiles.write(
          corral.client,
          WorkflowIds.vmTask(disk),
          VmTaskWorkflowImpl.class,
          "vm-task-disk-failed.json");
    }
  }

  /** A pool of one VM, leased as "lease-carol"; tasks are queued on that VM. */
  private static VmTasks leasedVmTasks(CorralHarness corral) {
    corral.applyConfig(pool("tasks", 1, 3));
    corral.startShepherd("tasks");
    corral.awaitSettled("tasks", 1);
    corral.leases.claim(
        "lease-carol", "carol", Map.of("tasks", 1), Instant.now(), Duration.ofHours(1));
    return new VmTasks(corral.client, new VmTaskStore(corral.db), corral.clock);
  }

  /** The task row the API writes, without its workflow. */
  private static String queue(
      CorralHarness corral, VmTaskStore store, String kind, String argument) {
    String vm = corral.rows("tasks", VmStates.LEASED).get(0).name();
    String id = UUID.randomUUID().toString().replace("-", "");
    store.create(VmTaskRow.queued(id, vm, "lease-carol", kind, argument, "carol", Instant.now()));
    return id;
  }

  private static VmTaskEnd outcome(CorralHarness corral, String taskId) throws Exception {
    return corral
        .client
        .newUntypedWorkflowStub(WorkflowIds.vmTask(taskId))
        .getResult(60, TimeUnit.SECONDS, VmTaskEnd.class);
  }
}
