package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.qemu.QemuTemplates.Sidecar;
import dev.corral.activities.provider.qemu.SerialLog.ReadyMarker;
import dev.corral.activities.provider.qemu.VmDir.Meta;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preparation steps after deploy: the guest agent does verify, configure and seal inside the
 * guest, QEMU powers it off, and finish flattens its disk into a new read-only template in {@code
 * templates_dir}.
 */
final class TemplateChain {
  private static final Logger log = LoggerFactory.getLogger(TemplateChain.class);

  /**
   * A group's configure script may install software: it gets most of the configure step's two
   * hours.
   */
  static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(110);

  /**
   * After seal the guest powers itself off; powerOff waits this long before pressing the power
   * button.
   */
  static final Duration SELF_POWER_OFF_WAIT = Duration.ofSeconds(5);

  private final QemuSettings settings;
  private final Machines machines;
  private final QemuTemplates templates;
  private final Clock clock;

  TemplateChain(QemuSettings settings, Machines machines, QemuTemplates templates, Clock clock) {
    this.settings = settings;
    this.machines = machines;
    this.templates = templates;
    this.clock = clock;
  }

  /**
   * The agent's answer, else the version of the READY marker: a guest without an agent still
   * printed one.
   */
  Optional<String> guestVersion(String vmName) {
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    try {
      String version = machines.agent(vm, Machines.PROBE_TIMEOUT).version();
      if (!version.isBlank()) {
        return Optional.of(version);
      }
    } catch (IOException e) {
      log.info(
          "verify {}: agent did not answer ({}), using the console marker", vmName, e.getMessage());
    }
    return SerialLog.ready(vm.serialLog()).map(ReadyMarker::version);
  }

  /**
   * Writes the group's key/values into the guest's configuration file; a {@code script} value runs
   * in the guest instead, and its failure fails the step for good (running it again would fail
   * again).
   */
  void configure(String vmName, Map<String, String> configuration) {
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    Map<String, String> values = new LinkedHashMap<>(configuration);
    String script = values.remove("script");
    GuestAgent agent = machines.agent(vm, script == null ? Machines.AGENT_TIMEOUT : SCRIPT_TIMEOUT);
    try {
      if (!values.isEmpty() || script == null) {
        agent.configure(
            values.entrySet().stream()
                .map(e -> e.getKey() + "=" + oneLine(e.getValue()))
                .collect(Collectors.joining("\n", "", "\n")));
      }
      if (script != null) {
        agent.run(script);
      }
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "configure of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "configure of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  /** The guest powers itself off after answering; a VM already off was sealed by an earlier try. */
  void seal(String vmName) {
    VmDir vm = machines.vm(vmName);
    if (!vm.exists()) {
      throw machines.notFound(vmName);
    }
    if (!vm.running()) {
      return;
    }
    try {
      machines.agent(vm, Machines.AGENT_TIMEOUT).seal();
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "seal of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "seal of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  void powerOff(String vmName, Duration graceful) {
    VmDir vm = machines.vm(vmName);
    synchronized (machines.lockOf(vmName)) {
      if (!vm.exists()) {
        throw machines.notFound(vmName);
      }
      // A sealed guest is already on its way down: give it a moment before pressing the power
      // button.
      Machines.waitStopped(vm, SELF_POWER_OFF_WAIT);
      machines.stop(vm, graceful);
    }
  }

  /**
   * Flattens the powered-off VM's disk into a standalone template ({@code qemu-img convert}, so the
   * new template does not depend on the old one), writes its sidecar, then publishes the image with
   * one rename and removes the VM. A crash in between leaves a {@code .part} file that
   * delete-on-error removes.
   */
  ProviderTemplate createTemplate(String vmName, String templateName) {
    if (!QemuTemplates.validName(templateName)) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + templateName + "' cannot be a template file name");
    }
    Optional<ProviderTemplate> made = templates.describe(templateName);
    if (made.isPresent()) {
      machines.vm(vmName).delete();
      return made.get();
    }
    VmDir vm = machines.vm(vmName);
    synchronized (machines.lockOf(vmName)) {
      if (!vm.exists()) {
        throw machines.notFound(vmName);
      }
      if (vm.running()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED, vmName + " still runs; power it off first");
      }
      Path part = templates.partialImage(templateName);
      Commands.Result convert =
          Commands.run(
              List.of(
                  settings.qemuImg(),
                  "convert",
                  "-f",
                  "qcow2",
                  "-O",
                  "qcow2",
                  vm.disk().toString(),
                  part.toString()),
              null,
              Machines.IMAGE_TIMEOUT);
      if (!convert.ok()) {
        throw ProviderException.transientFailure(
            "converting " + vmName + " into " + templateName + ": " + convert.output());
      }
      Commands.Result check =
          Commands.run(
              List.of(settings.qemuImg(), "check", "-q", part.toString()),
              null,
              Machines.IMAGE_TIMEOUT);
      if (!check.ok()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED,
            "the image made from " + vmName + " does not check clean: " + check.output());
      }
      Meta meta = vm.meta().orElse(new Meta(null, clock.instant(), Map.of(), null));
      Sidecar source = meta.template() == null ? Sidecar.NONE : templates.sidecar(meta.template());
      templates.writeSidecar(
          templateName,
          new Sidecar(
              source.group(),
              meta.guestVersion() != null ? meta.guestVersion() : source.version(),
              LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(),
              true,
              meta.template()));
      try {
        // Read-only: clones write into their own overlays, never into a template.
        Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("r--r--r--"));
        try {
          Files.move(part, templates.image(templateName), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(part, templates.image(templateName));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      vm.delete();
      log.info(
          "finish {}: template {} written to {}",
          vmName,
          templateName,
          templates.image(templateName));
    }
    return templates.describe(templateName).orElseThrow();
  }

  /**
   * Refuses while a VM of this provider still runs from it: its image is that VM's backing file.
   */
  void deleteTemplate(String templateName) {
    if (!QemuTemplates.validName(templateName)) {
      return;
    }
    List<String> users = new ArrayList<>();
    for (ProviderVm vm : machines.inventory()) {
      if (templateName.equals(vm.template()) && vm.powerState() != PowerState.BROKEN) {
        users.add(vm.name());
      }
    }
    if (!users.isEmpty()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          "template "
              + templateName
              + " is the backing file of VMs "
              + users
              + "; destroy them first");
    }
    templates.delete(templateName);
  }

  private static String oneLine(String value) {
    return value == null ? "" : value.replace("\r", "").replace("\n", "\\n");
  }
}
