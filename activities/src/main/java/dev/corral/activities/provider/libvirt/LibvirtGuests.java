package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
import dev.corral.activities.provider.libvirt.Domains.Vm;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The guests of one libvirt provider as the contract of tools/guest sees them: whether one is
 * ready, where its agent is (a loopback forward in user mode, its own address otherwise), and its
 * console log on the host.
 */
final class LibvirtGuests {
  /** One readiness probe of the agent: the agent answers in milliseconds once it is up. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private final String name;
  private final LibvirtSettings settings;
  private final LibvirtConnection connection;
  private final Domains domains;

  LibvirtGuests(
      String name, LibvirtSettings settings, LibvirtConnection connection, Domains domains) {
    this.name = name;
    this.settings = settings;
    this.connection = connection;
    this.domains = domains;
  }

  ProviderException notFound(String vmName) {
    return ProviderException.permanent(
        ErrorTypes.VM_NOT_FOUND, "provider " + name + " has no VM " + vmName);
  }

  /** The host file the VM's console is logged to; readable here only when the host is this one. */
  Path consoleLog(String vmName) {
    return Path.of(settings.consoleLogDir(), vmName + ".console.log");
  }

  /**
   * The guest is ready once its agent answers with the VM's own instance id (the contract's fw_cfg
   * entry); where the console log is readable from here, its READY marker is checked first, as for
   * QEMU.
   */
  Readiness checkReady(String vmName) {
    Optional<Vm> found = connection.with("readiness of " + vmName, c -> domains.find(c, vmName));
    if (found.isEmpty()) {
      return Readiness.failed("provider " + name + " has no VM " + vmName);
    }
    Vm vm = found.get();
    if (!vm.active()) {
      return Readiness.failed(
          "the domain of " + vmName + " is shut off; console: " + consoleTail(vmName));
    }
    Path console = consoleLog(vmName);
    // The marker proves a boot finished; once seen, the agent is enough. A snapshot revert
    // restarts QEMU, which starts the log afresh, and the resumed guest never prints it again.
    if (!vm.metadata().ready() && Files.isReadable(console)) {
      Optional<ReadyMarker> marker = SerialLog.ready(console);
      if (marker.isEmpty()) {
        return Readiness.booting();
      }
      if (!marker.get().instanceId().equals(vmName)) {
        // A template that hard-codes an instance id would hand out clones that all claim to be
        // the same VM.
        return Readiness.failed(
            "the guest says it is '" + marker.get().instanceId() + "', not " + vmName);
      }
    }
    String ip = address(vm).orElse(null);
    if (ip == null) {
      return Readiness.booting();
    }
    String instance;
    try {
      instance = agent(vm, ip, PROBE_TIMEOUT).info().getOrDefault("instance", "");
    } catch (IOException | RuntimeException e) {
      return Readiness.booting();
    }
    if (!instance.equals(vmName)) {
      return Readiness.failed("the guest agent says it is '" + instance + "', not " + vmName);
    }
    boolean newAddress = !settings.userNetwork() && !ip.equals(vm.metadata().ip());
    if (!vm.metadata().ready() || newAddress) {
      VmMetadata ready =
          settings.userNetwork() ? vm.metadata().asReady() : vm.metadata().withIp(ip);
      connection.with(
          "marking " + vmName + " ready",
          c -> {
            domains.writeMetadata(vm.domain(), ready, true);
            return null;
          });
    }
    return Readiness.ready(vmName, ip, settings.userNetwork() ? vm.metadata().ports() : Map.of());
  }

  /** Loopback in user mode; otherwise the address libvirt knows, once it knows one. */
  Optional<String> address(Vm vm) {
    if (settings.userNetwork()) {
      return Optional.of(Addresses.LOOPBACK);
    }
    if (vm.metadata().ip() != null) {
      return Optional.of(vm.metadata().ip());
    }
    return Addresses.guestAddress(vm.domain());
  }

  GuestAgent agent(Vm vm, String ip, Duration timeout) {
    int port =
        settings.userNetwork()
            ? vm.metadata().ports().get(GuestContract.AGENT_PORT)
            : settings.ports().get(GuestContract.AGENT_PORT);
    return new GuestAgent(ip, port, timeout);
  }

  /**
   * The agent of a running VM of this provider; a VM that is missing or off is {@code errorType}.
   */
  GuestAgent agentOf(String vmName, String errorType, Duration timeout) {
    Vm vm = requireRunning(vmName, errorType);
    String ip =
        address(vm)
            .orElseThrow(
                () ->
                    ProviderException.transientFailure(
                        "the address of " + vmName + " is not known yet"));
    return agent(vm, ip, timeout);
  }

  Vm requireRunning(String vmName, String errorType) {
    Optional<Vm> vm = connection.with("lookup of " + vmName, c -> domains.find(c, vmName));
    if (vm.isEmpty()) {
      throw ProviderException.permanent(errorType, "provider " + name + " has no VM " + vmName);
    }
    if (!vm.get().active()) {
      throw ProviderException.permanent(errorType, vmName + " is not running");
    }
    return vm.get();
  }

  String consoleTail(String vmName) {
    return SerialLog.tail(consoleLog(vmName), 5);
  }
}
