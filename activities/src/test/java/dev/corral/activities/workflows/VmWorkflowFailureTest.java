package dev.corral.activities.workflows;

import static dev.corral.activities.workflows.CorralHarness.names;
import static dev.corral.activities.workflows.CorralHarness.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.vm.VmWorkflowImpl;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Failed clones and boots: a try's VM is always destroyed, the VM is retried, and nothing leaks.
 */
class VmWorkflowFailureTest {
  private CorralHarness corral;

  @AfterEach
  void closeHarness() {
    if (corral != null) {
      corral.close();
    }
  }

  @Test
  void vmThatFailsToBoot_isDestroyedAndReplaced() throws Exception {
    corral = CorralHarness.start();
    corral.provider.controls().failNext(Operation.BOOT, "kernel panic");
    corral.applyConfig(pool("boot", 3, 3));
    corral.startShepherd("boot");

    corral.awaitSettled("boot", 3);

    List<VmRow> rows = corral.rows("boot");
    assertEquals(
        3, rows.size(), "the failed try is retried under the same name, not with a new row");
    assertTrue(
        rows.stream().allMatch(vm -> vm.state().equals(VmStates.READY)), corral.describe("boot"));
    List<VmRow> retried = rows.stream().filter(vm -> vm.attempts() > 0).toList();
    assertEquals(1, retried.size(), "one VM had a failed try: " + corral.describe("boot"));
    VmRow vm = retried.get(0);
    assertEquals(1, vm.attempts(), "attempts counts the failed tries");
    assertTrue(vm.failureReason().contains("BootFailed"), vm.failureReason());
    assertTrue(vm.failureReason().contains("kernel panic"), vm.failureReason());
    assertEquals(
        names(rows), corral.inventoryNames(), "no VM beyond the ready ones is on the provider");
    assertTrue(
        corral.inventory().stream().allMatch(p -> p.powerState() == ProviderVm.PowerState.RUNNING));

    corral.assertReplays(WorkflowIds.vm(vm.name()), VmWorkflowImpl.class);
  }

  @Test
  void vmFailingEveryTry_isMarkedFailed_andNothingLeaks() throws Exception {
    corral = CorralHarness.start();
    // max_tries is 2: both tries of the first VM fail to boot; the VM after it boots.
    corral.provider.controls().failNext(Operation.BOOT, "disk not found");
    corral.provider.controls().failNext(Operation.BOOT, "disk not found");
    corral.applyConfig(pool("doomed", 1, 2));
    corral.startShepherd("doomed");

    corral.awaitSettled("doomed", 1);
    corral.await(
        "a failed VM row",
        () -> !corral.rows("doomed", VmStates.FAILED).isEmpty(),
        () -> corral.describe("doomed"));

    List<VmRow> failed = corral.rows("doomed", VmStates.FAILED);
    assertEquals(1, failed.size(), corral.describe("doomed"));
    VmRow vm = failed.get(0);
    assertEquals(2, vm.attempts());
    assertTrue(vm.failureReason().contains("BootFailed"), vm.failureReason());
    assertTrue(vm.failureReason().contains("disk not found"), vm.failureReason());
    assertTrue(vm.endedAt() != null, "a failed VM has ended");
    assertFalse(
        corral.inventoryNames().contains(vm.name()), "the failed VM's last try was destroyed");
    assertTrue(
        corral.inventory().stream().noneMatch(p -> p.powerState() == ProviderVm.PowerState.BROKEN),
        "no BROKEN VM is left on the provider");
    assertEquals(
        names(corral.rows("doomed", VmStates.READY)),
        corral.inventoryNames(),
        "its replacement is the only VM");

    corral.assertReplays(WorkflowIds.vm(vm.name()), VmWorkflowImpl.class);
  }

  @Test
  void halfFailedClone_isDestroyed_notLeaked() {
    corral = CorralHarness.start();
    corral.provider.controls().failNext(Operation.CLONE, "datastore full");
    corral.applyConfig(pool("clone", 2, 3));
    corral.startShepherd("clone");

    corral.awaitSettled("clone", 2);

    List<VmRow> rows = corral.rows("clone");
    assertEquals(2, rows.size(), corral.describe("clone"));
    List<VmRow> retried = rows.stream().filter(vm -> vm.attempts() > 0).toList();
    assertEquals(1, retried.size(), corral.describe("clone"));
    assertTrue(
        retried.get(0).failureReason().contains("CloneFailed"), retried.get(0).failureReason());
    assertTrue(
        corral.inventory().stream().noneMatch(p -> p.powerState() == ProviderVm.PowerState.BROKEN),
        "the half-made clone was destroyed");
    assertEquals(names(rows), corral.inventoryNames());
  }
}
