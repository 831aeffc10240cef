package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.names;
import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.lease.LeaseWaitWorkflowImpl;
import dev.corral.workflows.model.LeaseFill;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pending leases filled by their workflow, with the real shepherd, VM workflows, database and
 * provider.
 */
class LeaseWaitWorkflowTest {
  private CorralHarness corral;
  private PendingLeaseStore pending;
  private LeaseWaits waits;

  @AfterEach
  void closeHarness() {
    if (corral != null) {
      corral.close();
    }
  }

  private void start(CorralHarness.Options options) {
    corral = CorralHarness.start(options);
    pending = new PendingLeaseStore(corral.db);
    waits = new LeaseWaits(corral.client);
  }

  /**
   * What the API does for a lease with a wait: the pending rows, its workflow, a nudge to the
   * shepherds.
   */
  private void requestPending(String id, Map<String, Integer> vms, Duration wait) {
    Instant now = corral.clock.instant();
    List<LeaseDemandRow> demand = new ArrayList<>();
    vms.forEach((pool, n) -> demand.add(new LeaseDemandRow(id, demand.size(), pool, pool, n)));
    pending.create(
        new PendingLeaseStore.NewPendingLease(
            id, "carol", demand, now, now.plus(wait), Duration.ofHours(2), null, "v1", List.of()));
    waits.start(id, now.plus(wait));
    vms.keySet().forEach(corral.nudger::leased);
  }

  private PendingLeaseStore.PendingLease lease(String id) {
    return pending.find(id).orElseThrow();
  }

  /**
   * The workflow's outcome, once the lease is no longer pending (polled, so time skips only a
   * little).
   */
  private LeaseFill result(String id) throws Exception {
    corral.await(
        "lease " + id + " no longer pending",
        () -> !PendingLeaseStore.PENDING.equals(lease(id).lease().state()),
        () -> lease(id) + "\n" + corral.describe(lease(id).demand().get(0).pool()));
    return corral
        .client
        .newUntypedWorkflowStub(WorkflowIds.leaseWait(id))
        .getResult(30, TimeUnit.SECONDS, LeaseFill.class);
  }

  @Test
  void pendingLeaseForMoreThanReady_getsVmsAsTheyBecomeReady_andTurnsActive() throws Exception {
    start(new CorralHarness.Options());
    corral.applyConfig(pool("grow", 2, 3));
    corral.startShepherd("grow");
    corral.awaitSettled("grow", 2);
    Set<String> stock = names(corral.rows("grow", VmStates.READY));

    requestPending("wait-grow", Map.of("grow", 5), Duration.ofHours(1));

    LeaseFill fill = result("wait-grow");
    assertEquals(LeaseRow.ACTIVE, fill.state(), corral.describe("grow"));
    PendingLeaseStore.PendingLease lease = lease("wait-grow");
    assertEquals(LeaseRow.ACTIVE, lease.lease().state());
    assertEquals(5, lease.vms().size(), "the lease holds every VM it asked for");
    lease.vms().forEach(vm -> assertEquals(VmStates.LEASED, vm.state(), vm.name()));
    assertTrue(names(lease.vms()).containsAll(stock), "the ready stock went to the lease first");
    Instant activated =
        lease.vms().stream().map(VmRow::leasedAt).max(Instant::compareTo).orElseThrow();
    assertTrue(
        !lease.lease().expiresAt().isBefore(activated.plus(Duration.ofHours(2))),
        "the lifetime counts from when the lease was filled");
    // The shepherd cloned beyond the pool's size for the lease, then refilled the stock behind it.
    corral.awaitSettled("grow", 2);
    assertEquals(5, corral.rows("grow", VmStates.LEASED).size());
    assertEquals(7, corral.inventory().size());

    corral.assertReplays(WorkflowIds.leaseWait("wait-grow"), LeaseWaitWorkflowImpl.class);
  }

  @Test
  void pendingLeaseThatCannotBeFilled_failsAtItsDeadline_andItsHeldVmsAreReadyAgain()
      throws Exception {
    // The provider can hold 3 VMs: the lease for 4 can never be filled.
    start(
        new CorralHarness.Options()
            .maxVms(3)
            .clockOfTestEnvironment()
            .shepherdPoll(Duration.ofMinutes(10)));
    corral.applyConfig(pool("cap", 2, 3));
    corral.startShepherd("cap");
    corral.awaitSettled("cap", 2);

    requestPending("wait-cap", Map.of("cap", 4), Duration.ofMinutes(5));
    corral.await(
        "the lease holds all 3 VMs the provider can make",
        () -> lease("wait-cap").vms().size() == 3,
        () -> corral.describe("cap"));
    Set<String> held = names(lease("wait-cap").vms());
    assertEquals(PendingLeaseStore.PENDING, lease("wait-cap").lease().state());

    corral.env.sleep(Duration.ofMinutes(6));

    LeaseFill fill = result("wait-cap");
    assertEquals(PendingLeaseStore.FAILED, fill.state());
    PendingLeaseStore.PendingLease lease = lease("wait-cap");
    assertEquals(PendingLeaseStore.FAILED, lease.lease().state());
    String reason = lease.waiting().failReason();
    assertTrue(
        reason.contains("pool cap short by 1 of 4") && reason.contains("at capacity"), reason);
    assertTrue(lease.vms().isEmpty(), "the failed lease holds nothing");
    for (String name : held) {
      VmRow vm = corral.row(name);
      assertNull(vm.leaseId(), name);
      assertTrue(
          VmStates.READY.equals(vm.state())
              || (VmStates.DESTROYED.equals(vm.state())
                  && "pool size reduced".equals(vm.retireReason())),
          name
              + " is ready again (or trimmed as surplus stock), never handed to anyone: "
              + vm.state());
    }
    corral.awaitSettled("cap", 2);
    assertTrue(
        held.containsAll(names(corral.rows("cap", VmStates.READY))),
        "the stock is the VMs the lease held");
  }

  @Test
  void cancellingAPendingLease_returnsItsHeldVmsToReady() throws Exception {
    start(new CorralHarness.Options().maxVms(2).shepherdPoll(Duration.ofMinutes(10)));
    corral.applyConfig(pool("cancel", 2, 3));
    corral.startShepherd("cancel");
    corral.awaitSettled("cancel", 2);
    Set<String> stock = names(corral.rows("cancel", VmStates.READY));

    requestPending("wait-cancel", Map.of("cancel", 3), Duration.ofMinutes(30));
    corral.await("the lease holds the ready stock", () -> lease("wait-cancel").vms().size() == 2);

    assertEquals(
        Set.of(PendingLeaseStore.PENDING),
        Set.of(
            pending
                .cancelPending("wait-cancel", "cancelled by carol", corral.clock.instant())
                .orElseThrow()));
    waits.wake("wait-cancel");

    assertEquals(PendingLeaseStore.CANCELLED, result("wait-cancel").state());
    assertEquals(PendingLeaseStore.CANCELLED, lease("wait-cancel").lease().state());
    corral.awaitSettled("cancel", 2);
    assertEquals(
        stock, names(corral.rows("cancel", VmStates.READY)), "the same VMs, back in the pool");
    corral.rows("cancel", VmStates.READY).forEach(vm -> assertNull(vm.leaseId(), vm.name()));
    assertEquals(
        PendingLeaseStore.CANCELLED,
        pending.cancelPending("wait-cancel", "again", corral.clock.instant()).orElseThrow(),
        "cancelling twice changes nothing");
  }

  @Test
  void aVmThatBecomesReady_goesToTheOldestPendingLeaseFirst() throws Exception {
    // Room for 3 VMs: one of pool "other", two for the older lease, and none for anything else.
    start(new CorralHarness.Options().maxVms(3));
    corral.applyConfig(pool("fair", 1, 3), pool("other", 1, 3));
    corral.startShepherd("fair");
    corral.startShepherd("other");
    corral.awaitSettled("fair", 1);
    corral.awaitSettled("other", 1);
    requestPending("wait-old", Map.of("fair", 3), Duration.ofHours(1));
    corral.await(
        "the older lease holds what the provider can make",
        () -> lease("wait-old").vms().size() == 2,
        () -> corral.describe("fair"));
    requestPending("wait-young", Map.of("fair", 1), Duration.ofHours(1));

    // Pool "other" shrinks: its VM is destroyed, and the one VM cloned into that room goes to the
    // older lease.
    corral.applyConfig(pool("fair", 1, 3), pool("other", 0, 3));
    corral.nudgeShepherd("other");

    assertEquals(LeaseRow.ACTIVE, result("wait-old").state());
    assertEquals(3, lease("wait-old").vms().size());
    assertTrue(
        lease("wait-young").vms().isEmpty(),
        "the younger lease got nothing while the older one waited");
    assertEquals(PendingLeaseStore.PENDING, lease("wait-young").lease().state());
  }

  @Test
  void startingALeasesWorkflowAgain_findsTheRunningOne() {
    // What start-up recovery does against a Temporal server that still runs the workflow.
    start(new CorralHarness.Options().maxVms(1).shepherdPoll(Duration.ofMinutes(10)));
    corral.applyConfig(pool("one", 1, 3));
    corral.startShepherd("one");
    corral.awaitSettled("one", 1);
    requestPending("wait-one", Map.of("one", 2), Duration.ofMinutes(30));
    waits.start("wait-one", corral.clock.instant().plusSeconds(1));
    WorkflowStub stub = corral.client.newUntypedWorkflowStub(WorkflowIds.leaseWait("wait-one"));
    corral.await("the lease holds the one VM", () -> lease("wait-one").vms().size() == 1);
    assertEquals(
        PendingLeaseStore.PENDING,
        lease("wait-one").lease().state(),
        "the first start's deadline holds");
    stub.cancel();
  }
}
