package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.provider.vsphere.Vms.Vm;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The guests' side: readiness from VMware Tools (running, with an address) and, with {@code
 * readiness: agent}, Corral's guest agent answering on that address; the agent is also how the
 * preparation steps and the reuse cleanup reach a guest.
 */
final class VsphereGuests {
  /** One readiness probe of the agent; Corral polls again soon. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  private final VsphereProvider provider;
  private final VsphereSettings settings;
  private final Sessions sessions;
  private final Vms vms;

  VsphereGuests(VsphereProvider provider, VsphereSettings settings, Sessions sessions, Vms vms) {
    this.provider = provider;
    this.settings = settings;
    this.sessions = sessions;
    this.vms = vms;
  }

  Readiness checkReady(String vmName) {
    if (!VsphereProvider.validName(vmName)) {
      return Readiness.failed("no VM " + vmName);
    }
    Optional<Vm> found = sessions.read("state of " + vmName, s -> vms.find(s, vmName));
    if (found.isEmpty()) {
      return Readiness.failed("provider " + provider.name() + " has no VM " + vmName);
    }
    Vm vm = found.get();
    if (!vm.poweredOn()) {
      return Readiness.failed(vmName + " is " + vm.powerState());
    }
    if (!vm.guestUp()) {
      return Readiness.booting();
    }
    if (VsphereSettings.AGENT.equals(settings.readiness())) {
      try {
        new GuestAgent(vm.ip(), agentPort(), PROBE_TIMEOUT).version();
      } catch (IOException e) {
        return Readiness.booting();
      }
    }
    return Readiness.ready(Vms.hostName(vm), vm.ip(), settings.ports());
  }

  /** The running VM, or a permanent {@code errorType}. */
  Vm requireRunning(String vmName, String errorType) {
    Vm vm =
        sessions
            .read("lookup of " + vmName, s -> vms.find(s, vmName))
            .orElseThrow(
                () ->
                    ProviderException.permanent(
                        errorType, "provider " + provider.name() + " has no VM " + vmName));
    if (!vm.poweredOn()) {
      throw ProviderException.permanent(errorType, vmName + " is " + vm.powerState());
    }
    return vm;
  }

  /**
   * The agent of a running VM, at the address Tools report; a VM whose Tools report none yet fails
   * for a passing reason.
   */
  GuestAgent agentOf(String vmName, String errorType, Duration timeout) {
    Vm vm = requireRunning(vmName, errorType);
    if (!vm.guestUp()) {
      throw ProviderException.transientFailure(
          vmName + ": VMware Tools report no address yet, so its guest agent cannot be reached");
    }
    return new GuestAgent(vm.ip(), agentPort(), timeout);
  }

  private int agentPort() {
    return settings.ports().get(GuestContract.AGENT_PORT);
  }
}
