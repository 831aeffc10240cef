package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateInUse;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

  /** The group's key/values or script, through the guest agent. */
  void configure(String vmName, Map<String, String> configuration) {
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    GuestSteps.configure(vmName, timeout -> machines.agent(vm, timeout), configuration);
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
    GuestSteps.seal(vmName, timeout -> machines.agent(vm, timeout));
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
      TemplateSidecar source =
          meta.template() == null ? TemplateSidecar.NONE : templates.sidecar(meta.template());
      templates.writeSidecar(
          templateName,
          new TemplateSidecar(
              source.group(),
              meta.guestVersion() != null ? meta.guestVersion() : source.version(),
              LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(),
              true,
              meta.template(),
              null));
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
    TemplateInUse.refuseWhileUsed(templateName, machines.inventory());
    templates.delete(templateName);
  }
}
