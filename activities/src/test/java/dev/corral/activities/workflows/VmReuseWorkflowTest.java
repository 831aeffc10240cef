package dev.corral.activities.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.ReuseRules;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.PoolConfig;
import dev.corral.config.PoolLeasing;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.vm.VmWorkflow;
import dev.corral.workflows.vm.VmWorkflowImpl;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reuse for the same owner with the real VM workflow, activities, database and simulated provider
 * on the time-skipping test server. The test does what the web layer does around the store: after a
 * release it tells the VM workflows ({@link VmWorkflows#released}), after a claim that took a held
 * VM it tells that VM's workflow ({@link VmWorkflows#leasedAgain}). The database clock is the wall
 * clock, so the shepherd's own back-up for reusable VMs past their deadline cannot act on skipped
 * time: only the VM workflow's timer can.
 */
class VmReuseWorkflowTest {
  private static final Duration WITHIN = Duration.ofMinutes(30);

  private CorralHarness corral;
  private LeaseStore leases;
  private VmWorkflows vmWorkflows;
  private int leaseCount;

  @AfterEach
  void close() {
    if (leases != null) {
      leases.close();
    }
    if (corral != null) {
      corral.close();
    }
  }

  /** A pool whose released VMs are kept for their owner, and one whose VMs are not. */
  private void start(int maxUses) {
    // Only nudges and the VM workflows' own timers run passes: skipping 30 minutes costs three of
    // them.
    corral = CorralHarness.start(new CorralHarness.Options().shepherdPoll(Duration.ofMinutes(10)));
    PoolConfig reuse = reusePool("reuse", 2, maxUses);
    PoolConfig plain = CorralHarness.pool("plain", 1, 3);
    corral.applyConfig(reuse, plain);
    leases = new LeaseStore(corral.db, ReuseRules.of(List.of(reuse, plain)));
    vmWorkflows = new VmWorkflows(corral.client);
    corral.startShepherd("reuse");
    corral.startShepherd("plain");
    corral.awaitSettled("reuse", 2);
    corral.awaitSettled("plain", 1);
  }

  static PoolConfig reusePool(String name, int size, int maxUses) {
    PoolConfig p = CorralHarness.pool(name, size, 3);
    return new PoolConfig(
        p.name(),
        p.alias(),
        p.template(),
        p.providers(),
        p.size(),
        p.readyTtl(),
        p.bootTimeout(),
        p.maxTries(),
        p.lifetime(),
        p.maxLifetime(),
        p.selector(),
        new PoolLeasing(
            false,
            null,
            PoolLeasing.DEFAULT_MAX_ONDEMAND,
            PoolLeasing.Reuse.SAME_OWNER,
            WITHIN,
            maxUses),
        p.memoryMb(),
        p.cpus());
  }

  /** Claims one VM of the pool for the owner, as the web layer does. */
  private VmRow lease(String owner, String pool, Duration lifetime) {
    LeaseStore.Lease lease =
        leases.claim("lease-" + ++leaseCount, owner, Map.of(pool, 1), Instant.now(), lifetime);
    lease.vms().stream().filter(VmRow::reused).forEach(vmWorkflows::leasedAgain);
    corral.nudger.leased(pool);
    return lease.vms().get(0);
  }

  private VmRow lease(String owner, String pool) {
    return lease(owner, pool, Duration.ofHours(1));
  }

  /** Releases the VM's lease, as the web layer does. */
  private void release(VmRow vm) {
    LeaseStore.Lease ended =
        leases
            .end(vm.leaseId(), LeaseRow.RELEASED, "released by request", Instant.now())
            .orElseThrow();
    ended.vms().forEach(v -> vmWorkflows.released(v, "lease released", Instant.now()));
  }

  private void awaitState(String vm, String state) {
    corral.await(
        vm + " " + state,
        () -> state.equals(corral.row(vm).state()),
        () -> corral.describe(corral.row(vm).pool()));
  }

  private String stage(String vm) {
    return corral.client.newWorkflowStub(VmWorkflow.class, WorkflowIds.vm(vm)).stage();
  }

  private void awaitPoolRefilled(String pool, int ready) {
    corral.await(
        "pool " + pool + " with " + ready + " ready VMs and nothing provisioning",
        () ->
            corral.rows(pool, VmStates.READY).size() == ready
                && corral.rows(pool, VmStates.PROVISIONING).isEmpty(),
        () -> corral.describe(pool));
  }

  @Test
  void
      releasedVm_isCleanedAndHeldForItsOwner_whoGetsItBack_whileOthersGetFreshOnes_andThePoolRefillsToSize()
          throws Exception {
    start(5);
    VmRow first = lease("alice", "reuse");

    release(first);

    awaitState(first.name(), VmStates.REUSABLE);
    VmRow held = corral.row(first.name());
    assertEquals("alice", held.reservedFor());
    assertEquals(1, held.uses());
    assertEquals(
        1, corral.provider.controls().timesCleaned(first.name()), "the cleanup hook ran once");
    assertEquals("reusable", stage(first.name()));
    awaitPoolRefilled("reuse", 2);
    assertTrue(
        corral.inventoryNames().contains(first.name()), "the held VM is kept on the provider");

    VmRow bobs = lease("bob", "reuse");
    assertNotEquals(first.name(), bobs.name(), "another owner never gets alice's VM");
    assertEquals(VmStates.REUSABLE, corral.row(first.name()).state());

    VmRow again = lease("alice", "reuse");
    assertEquals(first.name(), again.name(), "alice's next lease gets her VM back");
    assertEquals(2, again.uses());
    VmRow leased = corral.row(first.name());
    assertEquals(VmStates.LEASED, leased.state());
    assertEquals(again.leaseId(), leased.leaseId());
    assertNull(leased.reservedFor(), "no longer held once leased");
    corral.await(
        "the VM workflow learns it was leased again", () -> "leased".equals(stage(first.name())));

    // Past reuse_within: the leased VM is kept, since its owner has it.
    corral.env.sleep(WITHIN.plusMinutes(5));
    assertEquals(VmStates.LEASED, corral.row(first.name()).state(), corral.describe("reuse"));
    assertEquals(2, corral.rows("reuse", VmStates.READY).size());

    corral.assertReplays(WorkflowIds.vm(first.name()), VmWorkflowImpl.class);
  }

  @Test
  void reusableVm_notLeasedAgainWithinReuseWithin_isDestroyedByItsWorkflowTimer() throws Exception {
    start(5);
    VmRow vm = lease("alice", "reuse");
    release(vm);
    awaitState(vm.name(), VmStates.REUSABLE);
    awaitPoolRefilled("reuse", 2);

    corral.env.sleep(WITHIN.minusMinutes(1));
    assertEquals(
        VmStates.REUSABLE, corral.row(vm.name()).state(), "still held before reuse_within");
    corral.env.sleep(Duration.ofMinutes(2));

    awaitState(vm.name(), VmStates.DESTROYED);
    assertEquals(
        "not leased again by its owner within reuse_within", corral.row(vm.name()).retireReason());
    assertFalse(corral.inventoryNames().contains(vm.name()), "gone from the provider");
    assertEquals(
        2, corral.rows("reuse", VmStates.READY).size(), "the ready stock was never touched");

    corral.assertReplays(WorkflowIds.vm(vm.name()), VmWorkflowImpl.class);
  }

  @Test
  void vmThatServedReuseMaxUsesLeases_isDestroyedOnRelease() {
    start(2);
    VmRow vm = lease("alice", "reuse");
    release(vm);
    awaitState(vm.name(), VmStates.REUSABLE);
    assertEquals(vm.name(), lease("alice", "reuse").name());

    release(corral.row(vm.name()));

    awaitState(vm.name(), VmStates.DESTROYED);
    String reason = corral.row(vm.name()).retireReason();
    assertTrue(reason.contains("reuse_max_uses is 2"), reason);
    assertEquals(
        1,
        corral.provider.controls().timesCleaned(vm.name()),
        "only the first release was cleaned");
    assertFalse(corral.inventoryNames().contains(vm.name()));
  }

  @Test
  void failedCleanup_destroysTheVm() throws Exception {
    start(5);
    corral.provider.controls().failNext(Operation.CLEAN, "home directory could not be wiped");
    VmRow vm = lease("alice", "reuse");

    release(vm);

    awaitState(vm.name(), VmStates.DESTROYED);
    String reason = corral.row(vm.name()).retireReason();
    assertTrue(reason.startsWith("cleanup for reuse failed"), reason);
    assertTrue(reason.contains("home directory could not be wiped"), reason);
    assertFalse(corral.inventoryNames().contains(vm.name()));
    VmRow next = lease("alice", "reuse");
    assertNotEquals(vm.name(), next.name());
    assertEquals(1, next.uses());

    corral.assertReplays(WorkflowIds.vm(vm.name()), VmWorkflowImpl.class);
  }

  @Test
  void expiredLease_destroysItsVm_insteadOfKeepingIt() {
    start(5);
    VmRow vm = lease("alice", "reuse", Duration.ofSeconds(1));

    corral.await(
        "the lease's lifetime passed", () -> Instant.now().isAfter(vm.leasedAt().plusSeconds(1)));
    corral.nudgeShepherd("reuse");

    awaitState(vm.name(), VmStates.DESTROYED);
    assertEquals("lease expired", corral.row(vm.name()).retireReason());
    assertEquals(0, corral.provider.controls().timesCleaned(vm.name()));
  }

  @Test
  void anonymousLeases_andPoolsWithoutReuse_destroyReleasedVmsAsBefore() {
    start(5);
    VmRow anonymous = lease(null, "reuse");
    VmRow plain = lease("alice", "plain");

    release(anonymous);
    release(plain);

    awaitState(anonymous.name(), VmStates.DESTROYED);
    awaitState(plain.name(), VmStates.DESTROYED);
    assertEquals("lease released", corral.row(anonymous.name()).retireReason());
    assertEquals("lease released", corral.row(plain.name()).retireReason());
    awaitPoolRefilled("plain", 1);
  }
}
