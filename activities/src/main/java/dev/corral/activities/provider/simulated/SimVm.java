package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.StateFile.VmRecord;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One VM of the simulated hypervisor, mutable; only touched under the {@link HypervisorState}'s
 * lock.
 */
final class SimVm {
  String name;
  String template;
  PowerState state;
  String hostname;
  String ip;
  Instant createdAt;
  Instant bootDoneAt;

  /** Non-null when the boot is fated to fail (or has failed). */
  String bootFailReason;

  /** The source template's version at deploy or clone time; null when unknown. */
  String guestVersion;

  /** What the last configure recorded; null before. */
  Map<String, String> configuration;

  boolean sealed;

  /** Snapshot id to when it was taken, in the order taken. */
  final Map<String, Instant> snapshots = new LinkedHashMap<>();

  /** Disk id to its size in GB, in the order added. */
  final Map<String, Integer> disks = new LinkedHashMap<>();

  /** The snapshot of the last revert; null before any. */
  String revertedTo;

  int reverts;

  /** A VM still being made has no address yet. */
  ProviderVm toProviderVm() {
    boolean hasAddress = state != PowerState.CREATING && hostname != null;
    return new ProviderVm(
        name, template, state, hasAddress ? hostname : null, hasAddress ? ip : null, createdAt);
  }

  VmRecord toRecord() {
    return new VmRecord(
        name,
        template,
        state,
        hostname,
        ip,
        createdAt,
        bootDoneAt,
        bootFailReason,
        guestVersion,
        configuration,
        sealed,
        new LinkedHashMap<>(snapshots),
        new LinkedHashMap<>(disks),
        revertedTo,
        reverts);
  }

  static SimVm from(VmRecord r) {
    SimVm vm = new SimVm();
    vm.name = r.name();
    vm.template = r.template();
    vm.state = r.state();
    vm.hostname = r.hostname();
    vm.ip = r.ip();
    vm.createdAt = r.createdAt();
    vm.bootDoneAt = r.bootDoneAt();
    vm.bootFailReason = r.bootFailReason();
    vm.guestVersion = r.guestVersion();
    vm.configuration =
        r.configuration() == null
            ? null
            : Collections.unmodifiableMap(new LinkedHashMap<>(r.configuration()));
    vm.sealed = r.sealed();
    if (r.snapshots() != null) {
      vm.snapshots.putAll(r.snapshots());
    }
    if (r.disks() != null) {
      vm.disks.putAll(r.disks());
    }
    vm.revertedTo = r.revertedTo();
    vm.reverts = r.reverts();
    // A booting VM without a boot deadline counts as booted, so that no check ever compares with
    // null.
    if (vm.state == PowerState.BOOTING && vm.bootDoneAt == null) {
      vm.bootDoneAt = Instant.EPOCH;
    }
    return vm;
  }
}
