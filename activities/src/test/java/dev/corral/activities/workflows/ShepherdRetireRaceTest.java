package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.workflows.model.RetireRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shepherd plans in one activity (PlanPool) and retires in the next (RetireVms). Leases keep
 * coming in between; a VM leased in that gap belongs to its user and must not be destroyed.
 */
class ShepherdRetireRaceTest {
  private CorralHarness corral;
  private final AtomicReference<LeaseStore.Lease> burst = new AtomicReference<>();

  @AfterEach
  void closeHarness() {
    if (corral != null) {
      corral.close();
    }
  }

  @Test
  void vmLeasedBetweenPlanAndRetire_staysLeasedAndIsNotDestroyed() {
    corral =
        CorralHarness.start(
            new CorralHarness.Options().beforeActivity(this::leaseEverythingBeforeSurplusRetire));
    corral.applyConfig(pool("race", 3, 3));
    corral.startShepherd("race");
    corral.awaitSettled("race", 3);

    corral.applyConfig(pool("race", 1, 3));
    corral.nudgeShepherd("race");
    // The lease takes all three ready VMs, so the pool provisions one new ready VM for size 1.
    corral.awaitSettled("race", 1);

    LeaseStore.Lease lease = burst.get();
    assertEquals(3, lease.vms().size(), "the lease landed between PlanPool and RetireVms");
    LeaseStore.Lease now = corral.leases.find(lease.lease().id()).orElseThrow();
    assertEquals(LeaseRow.ACTIVE, now.lease().state());
    List<VmRow> destroyedUnderLease =
        now.vms().stream().filter(vm -> !vm.state().equals(VmStates.LEASED)).toList();
    assertTrue(
        destroyedUnderLease.isEmpty(),
        "VMs of an active lease were retired as surplus: "
            + destroyedUnderLease.stream()
                .map(vm -> vm.name() + " " + vm.state() + " (" + vm.retireReason() + ")")
                .toList()
            + "\n"
            + corral.describe("race"));
    assertTrue(
        corral.inventoryNames().containsAll(CorralHarness.names(lease.vms())),
        "the leased VMs are still on the provider");
  }

  /** A burst of leases lands right after the shepherd planned to retire surplus VMs. */
  private void leaseEverythingBeforeSurplusRetire(String activityType, Object[] arguments) {
    if (!activityType.equals("RetireVms") || burst.get() != null) {
      return;
    }
    RetireRequest request = (RetireRequest) arguments[0];
    if (request.vms().stream().noneMatch(vm -> vm.reason().equals("pool size reduced"))) {
      return;
    }
    int ready = corral.rows("race", VmStates.READY).size();
    burst.set(
        corral.leases.claim(
            "lease-burst", "carol", Map.of("race", ready), Instant.now(), Duration.ofHours(1)));
  }
}
