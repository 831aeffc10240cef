package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The containers of one provider's scope on its daemon: finding one by VM name, listing them all,
 * and describing each as a VM.
 */
final class Containers {
  /** Docker's container names; Corral's VM names fit them. */
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

  /**
   * Exit codes of a container stopped on purpose: 0 (the guest's own clean power-off), 143 and 137
   * (TERM or KILL from a stop). Any other exit, or the kernel's OOM killer, is a broken guest.
   */
  private static final List<Long> STOPPED = List.of(0L, 137L, 143L);

  /** A container as Corral needs it. */
  record Box(
      String id,
      String name,
      Map<String, String> labels,
      String status,
      long exitCode,
      boolean oomKilled,
      Map<String, Integer> hostPorts) {
    boolean running() {
      return "running".equals(status);
    }

    /** Made or started but not running yet. */
    boolean starting() {
      return "created".equals(status) || "configured".equals(status);
    }

    /** Docker says exited; Podman's compatible service says stopped (Podman's own word) too. */
    boolean stoppedOnPurpose() {
      return ("exited".equals(status) || "stopped".equals(status))
          && !oomKilled
          && STOPPED.contains(exitCode);
    }

    String template() {
      return labels.get(Labels.VM_TEMPLATE);
    }

    Instant created() {
      try {
        return Instant.parse(labels.getOrDefault(Labels.VM_CREATED, ""));
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }

  private final String scope;

  Containers(String scope) {
    this.scope = scope;
  }

  String scope() {
    return scope;
  }

  static boolean validName(String vmName) {
    return vmName != null && NAME.matcher(vmName).matches();
  }

  /** The container called {@code vmName}, whoever's it is. */
  static Optional<Box> lookup(DockerClient docker, String vmName) {
    try {
      return Optional.of(box(docker.inspectContainerCmd(vmName).exec()));
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  boolean ours(Box box) {
    return scope.equals(box.labels().get(Labels.SCOPE));
  }

  /** The container called {@code vmName} when it is of this scope. */
  Optional<Box> find(DockerClient docker, String vmName) {
    return lookup(docker, vmName).filter(this::ours);
  }

  /** The names of this scope's containers, running or not. */
  List<String> names(DockerClient docker) {
    List<String> names = new ArrayList<>();
    for (Container c :
        docker
            .listContainersCmd()
            .withShowAll(true)
            .withLabelFilter(Map.of(Labels.SCOPE, scope))
            .exec()) {
      if (c.getNames() != null && c.getNames().length > 0) {
        // The API lists names with a leading slash.
        String name = c.getNames()[0];
        names.add(name.startsWith("/") ? name.substring(1) : name);
      }
    }
    return names;
  }

  /**
   * The VM a container is. A running container is BOOTING until {@code ready} says its guest
   * answered; a container stopped on purpose is POWERED_OFF, one that crashed BROKEN.
   */
  static ProviderVm describe(Box box, boolean ready, String address) {
    PowerState state;
    if (box.running()) {
      state = ready ? PowerState.RUNNING : PowerState.BOOTING;
    } else if (box.starting()) {
      state = PowerState.CREATING;
    } else if (box.stoppedOnPurpose()) {
      state = PowerState.POWERED_OFF;
    } else {
      state = PowerState.BROKEN;
    }
    boolean reachable = box.running() && !box.hostPorts().isEmpty();
    return new ProviderVm(
        box.name(),
        box.template(),
        state,
        box.name(),
        reachable ? address : null,
        box.created(),
        reachable ? box.hostPorts() : Map.of());
  }

  private static Box box(InspectContainerResponse c) {
    Map<String, String> labels =
        c.getConfig() == null || c.getConfig().getLabels() == null
            ? Map.of()
            : c.getConfig().getLabels();
    InspectContainerResponse.ContainerState s = c.getState();
    String name = c.getName() == null ? "" : c.getName();
    return new Box(
        c.getId(),
        name.startsWith("/") ? name.substring(1) : name,
        labels,
        s == null || s.getStatus() == null ? "unknown" : s.getStatus(),
        s == null || s.getExitCodeLong() == null ? -1 : s.getExitCodeLong(),
        s != null && Boolean.TRUE.equals(s.getOOMKilled()),
        hostPorts(c, Labels.ports(labels)));
  }

  /** Each named guest port's published host port, as the daemon picked it. */
  private static Map<String, Integer> hostPorts(
      InspectContainerResponse c, Map<String, Integer> guestPorts) {
    Map<String, Integer> published = new LinkedHashMap<>();
    if (c.getNetworkSettings() == null || c.getNetworkSettings().getPorts() == null) {
      return published;
    }
    Map<ExposedPort, Ports.Binding[]> bindings = c.getNetworkSettings().getPorts().getBindings();
    for (Map.Entry<String, Integer> port : guestPorts.entrySet()) {
      Ports.Binding[] b = bindings.get(ExposedPort.tcp(port.getValue()));
      if (b != null && b.length > 0 && b[0] != null && b[0].getHostPortSpec() != null) {
        try {
          published.put(port.getKey(), Integer.parseInt(b[0].getHostPortSpec()));
        } catch (NumberFormatException e) {
          // A range or nothing yet: not a port a lease can name.
        }
      }
    }
    return published;
  }
}
