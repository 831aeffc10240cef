package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.Faults.Fault;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.TimedCall.Plan;
import dev.corral.workflows.ErrorTypes;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots, reverts and extra disks of {@link SimulatedProvider}'s VMs (its javadoc says what each
 * does).
 */
final class VmTasks {
  private static final Logger log = LoggerFactory.getLogger(VmTasks.class);

  private final SimulatedSettings settings;
  private final HypervisorState state;
  private final Faults faults;
  private final TimedCall calls;

  VmTasks(SimulatedSettings settings, HypervisorState state, Faults faults, TimedCall calls) {
    this.settings = settings;
    this.state = state;
    this.faults = faults;
    this.calls = calls;
  }

  void snapshot(String vmName, String snapshotId) {
    Objects.requireNonNull(snapshotId, "snapshotId");
    task(
        vmName,
        "snapshot",
        Operation.SNAPSHOT,
        faults.percents().onSnapshot(),
        "fail_percent.snapshot",
        settings.snapshotSeconds(),
        vm -> vm.snapshots.containsKey(snapshotId),
        vm -> {},
        vm -> vm.snapshots.put(snapshotId, state.clock.instant()));
  }

  void revertSnapshot(String vmName, String snapshotId) {
    task(
        vmName,
        "revert",
        Operation.REVERT,
        faults.percents().onRevert(),
        "fail_percent.revert",
        settings.revertSeconds(),
        vm -> false,
        vm -> requireSnapshot(vm, snapshotId),
        vm -> {
          vm.revertedTo = snapshotId;
          vm.reverts++;
        });
  }

  void addDisk(String vmName, String diskId, int sizeGb) {
    Objects.requireNonNull(diskId, "diskId");
    if (sizeGb < 1) {
      throw new IllegalArgumentException("disk size must be at least 1 GB (got " + sizeGb + ")");
    }
    task(
        vmName,
        "disk",
        Operation.ADD_DISK,
        faults.percents().onDisk(),
        "fail_percent.disk",
        settings.diskSeconds(),
        vm -> vm.disks.containsKey(diskId),
        vm -> {},
        vm -> vm.disks.put(diskId, sizeGb));
  }

  /**
   * One task: returns at once when it was {@code done} already; else {@code check} what it needs
   * before and after the sleep (the VM may have changed meanwhile), then fails transiently or
   * {@code apply}s the change.
   */
  private void task(
      String vmName,
      String task,
      Operation op,
      double failPercent,
      String failKey,
      SecondsRange duration,
      Predicate<SimVm> done,
      Consumer<SimVm> check,
      Consumer<SimVm> apply) {
    calls.<Void>run(
        () -> {
          SimVm vm = requireForTask(vmName, task);
          if (done.test(vm)) {
            log.debug("{} of {}: done already", task, vmName);
            return Plan.done(null);
          }
          check.accept(vm);
          Fault fault = faults.next(op, failPercent, failKey);
          return Plan.take(
              faults.sample(duration), fault, vm, "interrupted during " + task + " of " + vmName);
        },
        plan -> {
          SimVm vm = plan.vm();
          if (state.vms.get(vmName) != vm) {
            log.info("{} of {}: VM destroyed meanwhile", task, vmName);
            throw ProviderException.permanent(
                ErrorTypes.VM_NOT_FOUND, task + ": VM " + vmName + " was destroyed meanwhile");
          }
          check.accept(vm);
          if (plan.fails()) {
            log.info("{} of {}: failed ({})", task, vmName, plan.fault().reason());
            throw ProviderException.transientFailure(
                "simulated " + task + " failure of " + vmName + ": " + plan.fault().reason());
          }
          if (!done.test(vm)) {
            apply.accept(vm);
            state.persist();
            log.debug("{} of {}: done", task, vmName);
          }
          return null;
        });
  }

  /**
   * The VM a task acts on: missing is permanent; one still being created is worth retrying. Under
   * the lock.
   */
  private SimVm requireForTask(String vmName, String task) {
    SimVm vm = state.vms.get(vmName);
    if (vm == null) {
      throw ProviderException.permanent(
          ErrorTypes.VM_NOT_FOUND, task + ": provider " + state.provider + " has no VM " + vmName);
    }
    if (vm.state == PowerState.CREATING) {
      throw ProviderException.transientFailure(task + ": VM " + vmName + " is still being created");
    }
    return vm;
  }

  private static void requireSnapshot(SimVm vm, String snapshotId) {
    if (snapshotId == null || !vm.snapshots.containsKey(snapshotId)) {
      throw ProviderException.permanent(
          ErrorTypes.SNAPSHOT_NOT_FOUND, "VM " + vm.name + " has no snapshot " + snapshotId);
    }
  }
}
