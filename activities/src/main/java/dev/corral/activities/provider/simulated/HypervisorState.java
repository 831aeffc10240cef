package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.Faults.Fault;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.activities.provider.simulated.StateFile.Contents;
import dev.corral.activities.provider.simulated.StateFile.VmRecord;
import dev.corral.workflows.ErrorTypes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the simulated hypervisor holds: its VMs, its template catalogue and its address counter.
 * This object's monitor is the one lock that guards all of it ({@code synchronized (state)}); every
 * change is written to the state file before the lock is let go, so the file follows the order of
 * the changes.
 */
final class HypervisorState {
  private static final Logger log = LoggerFactory.getLogger(HypervisorState.class);

  /** Number of usable addresses in 198.18.0.0/15 (without the first and the last). */
  private static final int IP_SPACE = (1 << 17) - 2;

  final String provider;
  final Clock clock;
  final StateFile file;
  private final List<SimulatedTemplate> configured;

  /** Insertion order is creation order; replacing a value keeps its place. */
  final Map<String, SimVm> vms = new LinkedHashMap<>();

  /** The template catalogue by name; insertion order is listing order. */
  final Map<String, TemplateRecord> templates = new LinkedHashMap<>();

  /** Templates removed by deleteTemplate (and not re-created): deploying from them fails. */
  final Set<String> deletedTemplates = new LinkedHashSet<>();

  private long ipCounter;

  // Set and read through SimulatedControls; not persisted, like anything a test does to one
  // provider object.
  /** Versions guests of a template report instead of the template's; empty: none. */
  final Map<String, Optional<String>> guestVersionOverrides = new HashMap<>();

  /** How often each VM was cleaned for reuse. */
  final Map<String, Integer> cleanings = new HashMap<>();

  HypervisorState(
      String provider, StateFile file, Clock clock, List<SimulatedTemplate> configured) {
    this.provider = provider;
    this.file = file;
    this.clock = clock;
    this.configured = configured;
  }

  /**
   * Reads the state file, if any. A VM that was being made when the process stopped is left BROKEN,
   * as a hypervisor would leave a half-made VM.
   */
  synchronized void load() {
    Optional<Contents> read = file.read();
    if (read.isEmpty()) {
      log.debug("provider {}: no state file {}, starting empty", provider, file.path());
      addConfiguredTemplates();
      return;
    }
    Contents contents = read.get();
    ipCounter = contents.ipCounter();
    boolean repaired = false;
    if (contents.vms() != null) {
      for (VmRecord r : contents.vms()) {
        SimVm vm = SimVm.from(r);
        if (vm.state == PowerState.CREATING) {
          vm.state = PowerState.BROKEN;
          repaired = true;
          log.info("load {}: was CREATING when the process stopped, now BROKEN", vm.name);
        }
        vms.put(vm.name, vm);
      }
    }
    if (contents.templates() != null) {
      for (TemplateRecord t : contents.templates()) {
        templates.put(t.name(), t);
      }
    }
    if (contents.deletedTemplates() != null) {
      deletedTemplates.addAll(contents.deletedTemplates());
    }
    repaired |= addConfiguredTemplates();
    if (repaired) {
      persist();
    }
    log.info(
        "provider {}: loaded {} VMs and {} templates from {}",
        provider,
        vms.size(),
        templates.size(),
        file.path());
  }

  /**
   * Puts the configured raw templates into the catalogue, unless deleted; a stored raw entry of the
   * same name is replaced (the settings say what raw builds the hypervisor holds), a prepared one
   * kept. Returns whether the catalogue changed.
   */
  private boolean addConfiguredTemplates() {
    boolean changed = false;
    for (SimulatedTemplate t : configured) {
      if (t.name() == null || deletedTemplates.contains(t.name())) {
        continue;
      }
      TemplateRecord stored = templates.get(t.name());
      TemplateRecord raw = TemplateRecord.raw(t);
      if (stored == null || (!stored.prepared() && !stored.equals(raw))) {
        templates.put(raw.name(), raw);
        changed = true;
      }
    }
    return changed;
  }

  /** Writes everything. Under the lock, so writes happen in the order of the changes. */
  void persist() {
    List<VmRecord> records = new ArrayList<>(vms.size());
    for (SimVm vm : vms.values()) {
      records.add(vm.toRecord());
    }
    file.write(
        new Contents(
            StateFile.VERSION,
            provider,
            ipCounter,
            records,
            List.copyOf(templates.values()),
            List.copyOf(deletedTemplates)));
  }

  /** A new VM, CREATING, with a fresh address, in the inventory and the file. Under the lock. */
  SimVm create(String name, String template, String guestVersion) {
    SimVm vm = new SimVm();
    vm.name = name;
    vm.template = template;
    vm.state = PowerState.CREATING;
    vm.createdAt = clock.instant();
    vm.ip = nextIp();
    vm.guestVersion = guestVersion;
    vms.put(name, vm);
    persist();
    return vm;
  }

  /**
   * Leaves a VM whose making was cut short BROKEN, as a hypervisor would, for destroy to remove;
   * does nothing to a VM that was made or replaced meanwhile. Under the lock.
   */
  void breakIfCreating(SimVm vm) {
    if (vm != null && vms.get(vm.name) == vm && vm.state == PowerState.CREATING) {
      vm.state = PowerState.BROKEN;
      persist();
    }
  }

  /**
   * Refuses a new VM when the provider holds {@code maxVms} already (BROKEN ones count). Under the
   * lock.
   */
  void requireRoom(int maxVms, String vmName, String verb) {
    if (vms.size() >= maxVms) {
      log.info("{} {}: refused, provider {} is full ({} VMs)", verb, vmName, provider, vms.size());
      throw ProviderException.permanent(
          ErrorTypes.CAPACITY_EXCEEDED,
          "provider " + provider + " is at max_vms " + maxVms + ", cannot " + verb + " " + vmName);
    }
  }

  /**
   * Ends the making of a VM after its sleep: it must still be the one being made (not destroyed
   * meanwhile), and a making decided to fail leaves it BROKEN, as a hypervisor leaves a half-made
   * VM. Returns whether it failed; the caller then throws its own kind of failure. Under the lock.
   */
  boolean endCreating(SimVm vm, Fault fault, String verb, String doing) {
    if (vms.get(vm.name) != vm || vm.state != PowerState.CREATING) {
      log.info("{} {}: VM vanished while {}", verb, vm.name, doing);
      throw ProviderException.transientFailure(
          "VM " + vm.name + " was destroyed while " + doing + " it");
    }
    if (fault == null) {
      return false;
    }
    vm.state = PowerState.BROKEN;
    persist();
    log.info("{} {}: failed half-way ({}), left BROKEN", verb, vm.name, fault.reason());
    return true;
  }

  /** {@link #advance} at the current time, persisting what changed. Under the lock. */
  void catchUp(SimVm vm) {
    if (advance(vm, clock.instant())) {
      persist();
    }
  }

  /**
   * Applies time-based changes (a finished boot); returns whether the VM changed. Under the lock.
   */
  boolean advance(SimVm vm, Instant now) {
    if (vm.state != PowerState.BOOTING || now.isBefore(vm.bootDoneAt)) {
      return false;
    }
    if (vm.bootFailReason != null) {
      vm.state = PowerState.BROKEN;
      log.info("boot {}: failed ({}), now BROKEN", vm.name, vm.bootFailReason);
    } else {
      vm.state = PowerState.RUNNING;
      log.debug("boot {}: done, RUNNING at {}", vm.name, vm.ip);
    }
    return true;
  }

  /** The version of a catalogue template, null when unknown. Under the lock. */
  String catalogueVersion(String template) {
    TemplateRecord t = template == null ? null : templates.get(template);
    return t == null ? null : t.version();
  }

  /** A fake address in the 198.18.0.0/15 benchmark range; never contacted. Under the lock. */
  String nextIp() {
    long n = ipCounter++ % IP_SPACE + 1; // 1 .. 2^17 - 2
    return "198." + (18 + (n >> 16)) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
  }
}
