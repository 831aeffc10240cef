package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SimulatedControls} on one simulated hypervisor's state; each call takes its lock like any
 * other.
 */
final class Controls implements SimulatedControls {
  private static final Logger log = LoggerFactory.getLogger(Controls.class);

  private final HypervisorState state;
  private final Faults faults;

  Controls(HypervisorState state, Faults faults) {
    this.state = state;
    this.faults = faults;
  }

  @Override
  public Path stateFile() {
    return state.file.path();
  }

  @Override
  public void failNext(Operation op, String reason) {
    force(op, reason, false);
  }

  @Override
  public void failNext(Operation op) {
    force(op, null, false);
  }

  @Override
  public void failNextPermanently(Operation op, String reason) {
    if (Objects.requireNonNull(op, "op").step() == null) {
      throw new IllegalArgumentException(
          op + " is not a preparation step; its failures have a fixed kind");
    }
    force(op, reason, true);
  }

  private void force(Operation op, String reason, boolean permanent) {
    String r = reason == null ? "forced" : reason;
    faults.force(op, r, permanent);
    log.info(
        "provider {}: next {} will fail {}({})",
        state.provider,
        op,
        permanent ? "permanently " : "",
        r);
  }

  @Override
  public int timesCleaned(String vmName) {
    synchronized (state) {
      return state.cleanings.getOrDefault(vmName, 0);
    }
  }

  @Override
  public boolean powerOff(String vmName) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      if (vm == null) {
        return false;
      }
      state.advance(vm, state.clock.instant());
      if (vm.state != PowerState.RUNNING && vm.state != PowerState.BOOTING) {
        return false;
      }
      vm.state = PowerState.POWERED_OFF;
      state.persist();
      log.info("power-off {}: powered off on demand", vmName);
      return true;
    }
  }

  @Override
  public void addRunning(List<String> vmNames, String template) {
    synchronized (state) {
      Set<String> seen = new HashSet<>();
      for (String name : vmNames) {
        if (name == null || name.isBlank() || state.vms.containsKey(name) || !seen.add(name)) {
          throw new IllegalArgumentException(
              "cannot add VM '" + name + "': blank, already there or named twice");
        }
      }
      Instant now = state.clock.instant();
      for (String name : vmNames) {
        SimVm vm = new SimVm();
        vm.name = name;
        vm.template = template;
        vm.state = PowerState.RUNNING;
        vm.hostname = name;
        vm.ip = state.nextIp();
        vm.createdAt = now;
        vm.bootDoneAt = now;
        vm.guestVersion = state.catalogueVersion(template);
        state.vms.put(name, vm);
      }
      // One write for all of them: that is the point of this call.
      state.persist();
    }
    log.info("provider {}: {} running VMs added at once", state.provider, vmNames.size());
  }

  @Override
  public boolean renameGuest(String vmName, String hostname) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      if (vm == null) {
        return false;
      }
      vm.hostname = hostname;
      state.persist();
      return true;
    }
  }

  @Override
  public void setGuestVersion(String template, String version) {
    synchronized (state) {
      state.guestVersionOverrides.put(
          Objects.requireNonNull(template, "template"), Optional.ofNullable(version));
    }
    log.info("provider {}: guests of {} now report version {}", state.provider, template, version);
  }

  @Override
  public ProviderTemplate putTemplate(SimulatedTemplate template) {
    Objects.requireNonNull(template, "template");
    if (template.name() == null || template.name().isBlank()) {
      throw new IllegalArgumentException("template name must not be blank");
    }
    synchronized (state) {
      TemplateRecord t = TemplateRecord.raw(template);
      state.templates.put(t.name(), t);
      state.deletedTemplates.remove(t.name());
      state.persist();
      log.info(
          "provider {}: raw template {} (version {}) added", state.provider, t.name(), t.version());
      return t.toProviderTemplate();
    }
  }

  @Override
  public List<ProviderTemplate> halfMadeTemplates() {
    synchronized (state) {
      return state.templates.values().stream()
          .filter(TemplateRecord::halfMade)
          .map(TemplateRecord::toProviderTemplate)
          .toList();
    }
  }

  @Override
  public Optional<Map<String, String>> configuration(String vmName) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      return vm == null ? Optional.empty() : Optional.ofNullable(vm.configuration);
    }
  }

  @Override
  public boolean isSealed(String vmName) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      return vm != null && vm.sealed;
    }
  }

  @Override
  public Optional<VmTaskState> vmTaskState(String vmName) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      return vm == null
          ? Optional.empty()
          : Optional.of(
              new VmTaskState(
                  List.copyOf(vm.snapshots.keySet()),
                  Collections.unmodifiableMap(new LinkedHashMap<>(vm.disks)),
                  vm.revertedTo,
                  vm.reverts));
    }
  }
}
