package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.names;
import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.shepherd.PoolShepherdWorkflowImpl;
import dev.corral.workflows.vm.VmWorkflowImpl;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.WorkflowReplayer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool shepherd with real VM workflows, activities, database and simulated provider. */
class PoolShepherdWorkflowTest {
  private CorralHarness corral;

  @AfterEach
  void closeHarness() {
    if (corral != null) {
      corral.close();
    }
  }

  @Test
  void shepherd_fillsPoolToSize_andItsHistoriesReplay() throws Exception {
    corral = CorralHarness.start();
    corral.applyConfig(pool("fill", 5, 3));
    corral.startShepherd("fill");

    corral.awaitSettled("fill", 5);

    List<VmRow> ready = corral.rows("fill", VmStates.READY);
    assertEquals(5, ready.size());
    assertEquals(ready, corral.rows("fill"), "no row provisioning, failed or destroyed");
    assertEquals(names(ready), corral.inventoryNames(), "the provider holds exactly the ready VMs");
    assertTrue(
        corral.inventory().stream()
            .allMatch(vm -> vm.powerState() == ProviderVm.PowerState.RUNNING));
    for (VmRow vm : ready) {
      assertNotNull(vm.ip(), vm.name() + " has an address");
      assertEquals(vm.name(), vm.hostname());
      assertEquals(0, vm.attempts(), "no failed try was recorded");
    }

    corral.assertReplays(WorkflowIds.shepherd("fill"), PoolShepherdWorkflowImpl.class);
    corral.assertReplays(WorkflowIds.vm(ready.get(0).name()), VmWorkflowImpl.class);
  }

  @Test
  void sizeDecrease_destroysSurplus() {
    corral = CorralHarness.start();
    corral.applyConfig(pool("shrink", 4, 3));
    corral.startShepherd("shrink");
    corral.awaitSettled("shrink", 4);

    corral.applyConfig(pool("shrink", 1, 3));
    corral.nudgeShepherd("shrink");
    corral.awaitSettled("shrink", 1);

    List<VmRow> destroyed = corral.rows("shrink", VmStates.DESTROYED);
    assertEquals(3, destroyed.size(), corral.describe("shrink"));
    destroyed.forEach(vm -> assertEquals("pool size reduced", vm.retireReason(), vm.name()));
    assertEquals(1, corral.rows("shrink", VmStates.READY).size());
    assertEquals(4, corral.rows("shrink").size(), "no VM was provisioned to replace the surplus");
    assertEquals(1, corral.inventory().size());
    assertEquals(names(corral.rows("shrink", VmStates.READY)), corral.inventoryNames());
  }

  @Test
  void whileTheProviderIsFull_leasesStartNoPlanningPass_untilAVmIsDestroyed() throws Exception {
    AtomicInteger plans = new AtomicInteger();
    // A long poll interval: only nudges start passes here, not the shepherd's own timer.
    corral =
        CorralHarness.start(
            new CorralHarness.Options()
                .maxVms(3)
                .shepherdPoll(Duration.ofMinutes(10))
                .beforeActivity(
                    (type, args) -> {
                      if (type.equals("PlanPool")) {
                        plans.incrementAndGet();
                      }
                    }));
    corral.applyConfig(pool("cap", 3, 3));
    corral.startShepherd("cap");
    corral.awaitSettled("cap", 3);

    // The first lease's pass finds the provider at max_vms (the leased VM still counts).
    corral.leases.claim(
        "lease-cap-1", "erin", Map.of("cap", 1), Instant.now(), Duration.ofHours(1));
    corral.nudger.leased("cap");
    corral.await(
        "the shepherd found no room",
        () -> corral.nudger.waitingForRoom("cap"),
        () -> corral.describe("cap"));
    // A nudge that arrived during that pass runs one more; wait until the shepherd is idle.
    int plansWhenFull;
    do {
      plansWhenFull = plans.get();
      Thread.sleep(700);
    } while (plans.get() != plansWhenFull);

    for (int i = 2; i <= 3; i++) {
      corral.leases.claim(
          "lease-cap-" + i, "erin", Map.of("cap", 1), Instant.now(), Duration.ofHours(1));
      corral.nudger.leased("cap");
      Thread.sleep(
          700); // longer than the nudger's lease spacing: a nudge would have been sent by now
    }
    assertEquals(plansWhenFull, plans.get(), "leases on a full provider start no planning pass");

    LeaseStore.Lease ended =
        corral
            .leases
            .end("lease-cap-1", LeaseRow.RELEASED, "released by erin", Instant.now())
            .orElseThrow();
    new VmWorkflows(corral.client).retire(ended.vms().get(0), "lease released");
    corral.await(
        "a VM cloned into the freed room",
        () -> corral.rows("cap", VmStates.READY).size() == 1,
        () -> corral.describe("cap"));
    assertTrue(plans.get() > plansWhenFull, "the destroyed VM woke the shepherd");
    assertEquals(2, corral.rows("cap", VmStates.LEASED).size());
  }

  @Test
  void leaseReleased_vmDestroyed_andPoolRefills() {
    corral = CorralHarness.start();
    corral.applyConfig(pool("rel", 2, 3));
    corral.startShepherd("rel");
    corral.awaitSettled("rel", 2);

    // What the web layer does: claim, nudge; later end the lease and retire its VMs.
    LeaseStore.Lease lease =
        corral.leases.claim(
            "lease-rel", "alice", Map.of("rel", 1), Instant.now(), Duration.ofHours(1));
    String leased = lease.vms().get(0).name();
    corral.nudger.leased("rel");
    corral.awaitSettled("rel", 2);
    assertEquals(
        VmStates.LEASED,
        corral.row(leased).state(),
        "the leased VM is kept while the pool refills");
    assertTrue(corral.inventoryNames().contains(leased));

    LeaseStore.Lease ended =
        corral
            .leases
            .end("lease-rel", LeaseRow.RELEASED, "released by alice", Instant.now())
            .orElseThrow();
    VmWorkflows vmWorkflows = new VmWorkflows(corral.client);
    ended.vms().forEach(vm -> vmWorkflows.retire(vm, "lease released"));

    corral.await(
        "the released VM destroyed",
        () -> VmStates.DESTROYED.equals(corral.row(leased).state()),
        () -> corral.describe("rel"));
    corral.awaitSettled("rel", 2);
    VmRow gone = corral.row(leased);
    assertEquals("lease released", gone.retireReason());
    assertNotNull(gone.endedAt());
    assertFalse(
        corral.inventoryNames().contains(leased), "the released VM is gone from the provider");
    assertEquals(2, corral.inventory().size());
    assertEquals(LeaseRow.RELEASED, corral.leases.find("lease-rel").orElseThrow().lease().state());
  }

  @Test
  void expiredLease_isEndedByShepherd() {
    // DB time follows the test environment's clock so that skipping an hour expires the lease.
    corral =
        CorralHarness.start(
            new CorralHarness.Options()
                .clockOfTestEnvironment()
                .shepherdPoll(Duration.ofMinutes(10)));
    corral.applyConfig(pool("exp", 2, 3));
    corral.startShepherd("exp");
    corral.awaitSettled("exp", 2);

    LeaseStore.Lease lease =
        corral.leases.claim(
            "lease-exp", "bob", Map.of("exp", 1), corral.clock.instant(), Duration.ofHours(1));
    String leased = lease.vms().get(0).name();
    corral.nudger.leased("exp");
    corral.awaitSettled("exp", 2);
    assertEquals(LeaseRow.ACTIVE, corral.leases.find("lease-exp").orElseThrow().lease().state());

    corral.env.sleep(Duration.ofHours(1).plusMinutes(1));

    corral.await(
        "the expired lease's VM destroyed",
        () -> VmStates.DESTROYED.equals(corral.row(leased).state()),
        () -> corral.describe("exp"));
    corral.awaitSettled("exp", 2);
    LeaseRow ended = corral.leases.find("lease-exp").orElseThrow().lease();
    assertEquals(LeaseRow.EXPIRED, ended.state());
    assertEquals("lifetime ended", ended.endReason());
    assertEquals("lease expired", corral.row(leased).retireReason());
    assertFalse(
        corral.inventoryNames().contains(leased),
        "the expired lease's VM is gone from the provider");
    assertEquals(2, corral.inventory().size());
  }

  @Test
  void removedPool_isDrained_andShepherdStops() throws Exception {
    corral = CorralHarness.start();
    corral.applyConfig(pool("gone", 2, 3), pool("kept", 1, 3));
    corral.startShepherd("gone");
    corral.startShepherd("kept");
    corral.awaitSettled("gone", 2);
    corral.awaitSettled("kept", 1);
    Set<String> keptVms = names(corral.rows("kept", VmStates.READY));

    corral.applyConfig(pool("kept", 1, 3));
    corral.nudgeShepherd("gone");

    WorkflowStub shepherd = corral.client.newUntypedWorkflowStub(WorkflowIds.shepherd("gone"));
    shepherd.getResult(30, TimeUnit.SECONDS, Void.class);
    assertEquals(
        WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
        shepherd.describe().getWorkflowExecutionInfo().getStatus());

    List<VmRow> rows = corral.rows("gone");
    assertEquals(2, rows.size());
    for (VmRow vm : rows) {
      assertEquals(VmStates.DESTROYED, vm.state(), vm.name());
      assertEquals("pool removed from config", vm.retireReason(), vm.name());
    }
    assertEquals(
        keptVms, corral.inventoryNames(), "only the kept pool's VM remains on the provider");
    corral.awaitSettled("kept", 1);

    corral.assertReplays(WorkflowIds.shepherd("gone"), PoolShepherdWorkflowImpl.class);
    corral.assertReplays(WorkflowIds.vm(rows.get(0).name()), VmWorkflowImpl.class);
  }

  @Test
  void readyTtl_replacesStaleVms() {
    corral =
        CorralHarness.start(
            new CorralHarness.Options()
                .clockOfTestEnvironment()
                .shepherdPoll(Duration.ofMinutes(10)));
    corral.applyConfig(pool("ttl", 2, 3, Duration.ofHours(1)));
    corral.startShepherd("ttl");
    corral.awaitSettled("ttl", 2);
    Set<String> first = names(corral.rows("ttl", VmStates.READY));

    corral.env.sleep(Duration.ofHours(1).plusMinutes(1));

    corral.await(
        "the first VMs destroyed",
        () -> first.stream().allMatch(name -> VmStates.DESTROYED.equals(corral.row(name).state())),
        () -> corral.describe("ttl"));
    corral.awaitSettled("ttl", 2);
    first.forEach(name -> assertEquals("ready_ttl passed", corral.row(name).retireReason(), name));
    Set<String> replacements = names(corral.rows("ttl", VmStates.READY));
    assertTrue(replacements.stream().noneMatch(first::contains));
    assertEquals(replacements, corral.inventoryNames());
  }

  @Test
  void shepherd_continuesAsNew_andKeepsServingThePool() throws Exception {
    corral = CorralHarness.start();
    corral.applyConfig(pool("long", 1, 3));
    corral.startShepherd("long");
    corral.awaitSettled("long", 1);
    WorkflowStub shepherd = corral.client.newUntypedWorkflowStub(WorkflowIds.shepherd("long"));
    String firstRun = shepherd.describe().getWorkflowExecutionInfo().getExecution().getRunId();

    // The shepherd looks every second; 200 passes end a run. Each pass also costs real time (a
    // local activity on
    // the database), so on a busy machine the skipped 210 s can hold fewer passes: wait on, up to
    // 600 s.
    String laterRun = firstRun;
    for (int waited = 0; waited < 600 && laterRun.equals(firstRun); waited += 30) {
      corral.env.sleep(Duration.ofSeconds(30));
      laterRun = shepherd.describe().getWorkflowExecutionInfo().getExecution().getRunId();
    }
    assertFalse(laterRun.equals(firstRun), "the shepherd continued as new");

    // The new run still keeps the pool: a lease takes the ready VM and it is replaced.
    String leased =
        corral
            .leases
            .claim("lease-long", "dan", Map.of("long", 1), Instant.now(), Duration.ofHours(1))
            .vms()
            .get(0)
            .name();
    corral.nudger.leased("long");
    corral.awaitSettled("long", 1);
    assertEquals(VmStates.LEASED, corral.row(leased).state());
    assertEquals(2, corral.inventory().size());

    WorkflowReplayer.replayWorkflowExecution(
        corral.client.fetchHistory(WorkflowIds.shepherd("long"), firstRun),
        PoolShepherdWorkflowImpl.class);
  }
}
