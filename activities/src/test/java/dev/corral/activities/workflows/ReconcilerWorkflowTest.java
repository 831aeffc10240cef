package dev.corral.activities.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.Reconcilers;
import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.reconcile.ReconcilerWorkflowImpl;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reconciler on the real workflows, activities, database and simulated provider (issue 6 part
 * 1).
 */
class ReconcilerWorkflowTest {
  static final Duration TICK = Duration.ofSeconds(1);
  static final Duration WINDOW = Duration.ofSeconds(2);
  static final ReconcileConfig FAST =
      new ReconcileConfig(TICK, WINDOW, false, List.of("corral-keep-*"), WINDOW);
  static final ReconcileConfig DRY_RUN = new ReconcileConfig(TICK, WINDOW, true, List.of(), WINDOW);

  private static CorralHarness start(ReconcileConfig config) {
    return CorralHarness.start(
        new CorralHarness.Options().clockOfTestEnvironment().reconcile(config));
  }

  @Test
  void aReadyVmTheProviderLostIsRetiredAsLostAndThePoolRefills() throws Exception {
    try (CorralHarness corral = start(FAST)) {
      corral.applyConfig(CorralHarness.pool("lost", 2, 3));
      corral.startShepherd("lost");
      corral.awaitSettled("lost", 2);
      String victim = corral.rows("lost", VmStates.READY).get(0).name();
      corral.provider.destroy(victim);

      new Reconcilers(corral.client).ensureRunning(CorralHarness.PROVIDER, FAST);

      corral.await(
          "the lost VM retired",
          () -> VmStates.DESTROYED.equals(corral.row(victim).state()),
          () -> corral.describe("lost"));
      assertEquals("lost: ready VM not found on provider sim", corral.row(victim).retireReason());
      corral.awaitSettled("lost", 2);
      assertFalse(CorralHarness.names(corral.rows("lost", VmStates.READY)).contains(victim));
      assertEquals(1, corral.reconciler.stats().of(CorralHarness.PROVIDER).vmsLost());
      corral.assertReplays(
          WorkflowIds.reconcile(CorralHarness.PROVIDER), ReconcilerWorkflowImpl.class);
    }
  }

  @Test
  void aLeasedVmTheProviderLostStaysOnItsLeaseMarkedLostAndIsNeverLeasedAgain() {
    try (CorralHarness corral = start(FAST)) {
      corral.applyConfig(CorralHarness.pool("held", 1, 3));
      corral.startShepherd("held");
      corral.awaitSettled("held", 1);
      LeaseStore.Lease lease =
          corral.leases.claim(
              "lease-lost",
              "alice",
              Map.of("held", 1),
              corral.clock.instant(),
              Duration.ofHours(1));
      String victim = lease.vms().get(0).name();
      corral.provider.destroy(victim);

      ReconcilePass pass = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(1, pass.lost());
      VmRow row = corral.row(victim);
      assertEquals("lease-lost", row.leaseId());
      assertEquals("lost: leased VM not found on provider sim", row.retireReason());
      assertTrue(
          List.of(VmStates.DESTROYING, VmStates.DESTROYED).contains(row.state()), row.state());
      corral.awaitSettled("held", 1);
      assertFalse(CorralHarness.names(corral.rows("held", VmStates.READY)).contains(victim));
    }
  }

  @Test
  void
      healthCheck_aPoweredOffReadyVmIsRetiredAndReplaced_aPoweredOffLeasedOneStaysOnItsLeaseMarked() {
    try (CorralHarness corral = start(FAST)) {
      corral.applyConfig(CorralHarness.pool("health", 2, 3));
      corral.startShepherd("health");
      corral.awaitSettled("health", 2);
      LeaseStore.Lease lease =
          corral.leases.claim(
              "lease-dead",
              "alice",
              Map.of("health", 1),
              corral.clock.instant(),
              Duration.ofHours(1));
      String leased = lease.vms().get(0).name();
      corral.awaitSettled("health", 2);
      String ready = corral.rows("health", VmStates.READY).get(0).name();
      String healthy = corral.rows("health", VmStates.READY).get(1).name();
      corral.provider.powerOff(ready, Duration.ZERO);
      corral.provider.powerOff(leased, Duration.ZERO);

      ReconcilePass pass = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(2, pass.lost(), "both dead VMs, and only them");
      assertEquals(
          "unhealthy: ready VM found powered off on provider sim",
          corral.row(ready).retireReason());
      VmRow leasedRow = corral.row(leased);
      assertEquals("lease-dead", leasedRow.leaseId(), "the owner sees it on the lease");
      assertEquals(
          "unhealthy: leased VM found powered off on provider sim", leasedRow.retireReason());
      assertEquals(VmStates.READY, corral.row(healthy).state(), "a healthy VM is left alone");
      corral.awaitSettled("health", 2);
      java.util.Set<String> readyNow = CorralHarness.names(corral.rows("health", VmStates.READY));
      assertFalse(readyNow.contains(ready) || readyNow.contains(leased), readyNow.toString());
    }
  }

  @Test
  void healthCheck_aReadyVmAnsweringUnderAnotherHostname_isRetiredAndReplaced() {
    try (CorralHarness corral = start(FAST)) {
      corral.applyConfig(CorralHarness.pool("names", 2, 3));
      corral.startShepherd("names");
      corral.awaitSettled("names", 2);
      String impostor = corral.rows("names", VmStates.READY).get(0).name();
      String healthy = corral.rows("names", VmStates.READY).get(1).name();
      corral.provider.controls().renameGuest(impostor, "golden-image");

      ReconcilePass pass = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(1, pass.lost());
      assertEquals(
          "unhealthy: ready VM answers as host golden-image, not " + impostor + ", on provider sim",
          corral.row(impostor).retireReason());
      assertEquals(VmStates.READY, corral.row(healthy).state());
      corral.awaitSettled("names", 2);
      assertFalse(CorralHarness.names(corral.rows("names", VmStates.READY)).contains(impostor));
    }
  }

  @Test
  void
      anUnknownVmIsDestroyedOnlyAtItsSecondSightingATickLaterAndNeverWhenAllowlistedOrOutOfScope() {
    try (CorralHarness corral = start(FAST)) {
      corral.provider.cloneVm("corral-stray1", "tpl-x");
      corral.provider.cloneVm("corral-keep-1", "tpl-x");
      corral.provider.cloneVm("someone-elses-vm", "tpl-x");

      ReconcilePass first = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);
      ReconcilePass sameTick = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(1, first.unknownSighted());
      assertEquals(1, first.kept());
      assertEquals(0, first.purged() + sameTick.purged());
      assertTrue(corral.inventoryNames().contains("corral-stray1"));

      corral.env.sleep(TICK);
      ReconcilePass second = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(1, second.purged());
      assertEquals(java.util.Set.of("corral-keep-1", "someone-elses-vm"), corral.inventoryNames());
      assertEquals(1, corral.reconciler.stats().of(CorralHarness.PROVIDER).unknownPurged());
    }
  }

  @Test
  void anUnknownVmThatBecameKnownBetweenSightingsStartsOverAndForcePurgesAtOnce() {
    try (CorralHarness corral = start(FAST)) {
      corral.provider.cloneVm("corral-stray2", "tpl-x");
      corral.reconciler.now(CorralHarness.PROVIDER, false);
      corral.provider.destroy("corral-stray2");
      corral.reconciler.now(CorralHarness.PROVIDER, false);
      corral.provider.cloneVm("corral-stray2", "tpl-x");
      corral.env.sleep(TICK);

      ReconcilePass again = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);
      assertEquals(0, again.purged(), "the earlier sighting was forgotten when the VM disappeared");

      ReconcilePass forced = corral.reconciler.now(CorralHarness.PROVIDER, true).get(0);
      assertEquals(1, forced.purged());
      assertTrue(corral.inventoryNames().isEmpty());
    }
  }

  @Test
  void aDryRunOnlyReportsWhatItWouldPurge() {
    try (CorralHarness corral = start(DRY_RUN)) {
      corral.provider.cloneVm("corral-stray3", "tpl-x");

      ReconcilePass forced = corral.reconciler.now(CorralHarness.PROVIDER, true).get(0);
      corral.env.sleep(TICK);
      ReconcilePass second = corral.reconciler.now(CorralHarness.PROVIDER, false).get(0);

      assertEquals(1, forced.wouldPurge());
      assertEquals(1, second.wouldPurge());
      assertEquals(0, forced.purged() + second.purged());
      assertEquals(java.util.Set.of("corral-stray3"), corral.inventoryNames());
    }
  }

  @Test
  void theLoopPurgesAnUnknownVmOnItsOwnAndStartingItTwiceKeepsOneLoop() throws Exception {
    try (CorralHarness corral = start(FAST)) {
      corral.provider.cloneVm("corral-stray4", "tpl-x");
      Reconcilers reconcilers = new Reconcilers(corral.client);
      reconcilers.ensureRunning(CorralHarness.PROVIDER, FAST);
      reconcilers.ensureRunning(CorralHarness.PROVIDER, FAST);

      corral.await(
          "the loop purged the stray VM",
          () -> corral.inventoryNames().isEmpty(),
          () -> corral.describe("x"));
      assertTrue(corral.reconciler.stats().of(CorralHarness.PROVIDER).passes() >= 2);
      corral.assertReplays(
          WorkflowIds.reconcile(CorralHarness.PROVIDER), ReconcilerWorkflowImpl.class);
    }
  }
}
