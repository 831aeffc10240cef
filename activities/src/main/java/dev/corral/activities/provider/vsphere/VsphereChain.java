package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.Polling;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.TemplateInUse;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.vsphere.Vms.Vm;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimFault;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preparation chain on vSphere: deploy clones the raw template into the base folder and waits
 * for the guest, the guest agent verifies, configures and seals, power off asks the guest to shut
 * down (through VMware Tools) before pulling the plug, and finish makes a standalone template (a
 * full clone marked as a template, with its annotation) and deletes the build VM.
 */
final class VsphereChain {
  private static final Logger log = LoggerFactory.getLogger(VsphereChain.class);

  /** How long deploy waits for the guest to come up. */
  static final Duration DEPLOY_BOOT_TIMEOUT = Duration.ofMinutes(15);

  /** After seal the guest powers itself off; power off waits this long before asking. */
  static final Duration SELF_POWER_OFF_WAIT = Duration.ofSeconds(5);

  /** vSphere object names; template names become inventory path elements. */
  private static final Pattern TEMPLATE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,79}");

  private final VsphereProvider provider;
  private final VsphereGuests guests;
  private final Sessions sessions;
  private final Places places;
  private final Vms vms;
  private final Templates templates;
  private final Clock clock;

  VsphereChain(
      VsphereProvider provider,
      VsphereGuests guests,
      Sessions sessions,
      Places places,
      Vms vms,
      Templates templates,
      Clock clock) {
    this.provider = provider;
    this.guests = guests;
    this.sessions = sessions;
    this.places = places;
    this.vms = vms;
    this.templates = templates;
    this.clock = clock;
  }

  /** Clones and boots the build VM (in the base folder), and returns once the guest is up. */
  ProviderVm deploy(String vmName, String template) {
    provider.cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
    GuestSteps.awaitReady(
        vmName,
        DEPLOY_BOOT_TIMEOUT,
        () -> provider.checkReady(vmName),
        () -> "(vSphere keeps no console log; the VM's console is in the vSphere client)");
    recordGuestVersion(vmName);
    return provider.get(vmName).orElseThrow(() -> provider.notFound(vmName));
  }

  /**
   * Keeps the version the freshly deployed guest's agent reports in the VM's advanced settings:
   * finish writes it into the template's annotation after seal has taken the agent away.
   */
  private void recordGuestVersion(String vmName) {
    Optional<String> version = agentVersion(vmName);
    if (version.isEmpty()) {
      return;
    }
    sessions.task(
        "recording the guest version of " + vmName,
        s -> {
          Vm vm = vms.find(s, vmName).orElseThrow(() -> provider.notFound(vmName));
          s.runTask(
              "ReconfigVM_Task",
              vm.ref(),
              "<spec>" + Vms.option(Vms.GUEST_VERSION_KEY, version.get()) + "</spec>",
              provider.taskTimeout());
          return null;
        });
  }

  /** The agent's answer, else the version recorded at deploy, else none. */
  Optional<String> guestVersion(String vmName) {
    Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    Optional<String> live = agentVersion(vmName);
    return live.isPresent()
        ? live
        : Optional.ofNullable(vm.corral().get(Vms.GUEST_VERSION_KEY)).filter(v -> !v.isBlank());
  }

  private Optional<String> agentVersion(String vmName) {
    try {
      String version =
          guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, VsphereGuests.PROBE_TIMEOUT).version();
      return version.isBlank() ? Optional.empty() : Optional.of(version);
    } catch (IOException | ProviderException e) {
      log.info("verify {}: no guest agent answered ({})", vmName, e.getMessage());
      return Optional.empty();
    }
  }

  /** The guest powers itself off after answering; a VM already off was sealed by an earlier try. */
  void seal(String vmName) {
    Vm vm =
        sessions
            .read("lookup of " + vmName, s -> vms.find(s, vmName))
            .orElseThrow(() -> provider.notFound(vmName));
    if (!vm.poweredOn()) {
      return;
    }
    GuestSteps.seal(vmName, timeout -> guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, timeout));
  }

  /**
   * Lets a sealed guest go down on its own, then asks it to shut down through VMware Tools and
   * waits up to {@code graceful}, and finally powers it off.
   */
  void powerOff(String vmName, Duration graceful) {
    synchronized (provider.lockOf(vmName)) {
      if (waitOff(vmName, SELF_POWER_OFF_WAIT)) {
        return;
      }
      sessions.task(
          "guest shutdown of " + vmName,
          s -> {
            Vm vm = vms.find(s, vmName).orElseThrow(() -> provider.notFound(vmName));
            if (vm.poweredOn() && vm.toolsRunning()) {
              try {
                s.invoke("ShutdownGuest", vm.ref(), "");
              } catch (VimFault f) {
                // Off already, or Tools stopped meanwhile: the wait and the power off decide.
                log.debug("shutdown of {}: {}", vmName, f.getMessage());
              }
            }
            return null;
          });
      if (waitOff(vmName, graceful)) {
        return;
      }
      log.info("{} did not shut down within {}; powering it off", vmName, graceful);
      sessions.task(
          "power off of " + vmName,
          s -> {
            Vm vm = vms.find(s, vmName).orElseThrow(() -> provider.notFound(vmName));
            try {
              s.runTask("PowerOffVM_Task", vm.ref(), "", provider.taskTimeout());
            } catch (VimFault f) {
              if (!"InvalidPowerState".equals(f.type())) {
                throw f;
              }
            }
            return null;
          });
    }
  }

  private boolean waitOff(String vmName, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Vm vm =
          sessions
              .read("state of " + vmName, s -> vms.find(s, vmName))
              .orElseThrow(() -> provider.notFound(vmName));
      if (!vm.poweredOn()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Polling.pause(VsphereProvider.POLL);
    }
  }

  /**
   * Makes template {@code templateName} in the template folder as a full clone of the powered-off
   * build VM, then deletes the VM. The annotation is written with the clone and checked after it (a
   * crash in between, or a vCenter that dropped it, leaves a template the retry completes).
   */
  ProviderTemplate createTemplate(String vmName, String templateName) {
    if (templateName == null || !TEMPLATE_NAME.matcher(templateName).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + templateName + "' cannot be a vSphere template name");
    }
    synchronized (provider.lockOf(vmName)) {
      ProviderTemplate made =
          sessions.task("finish of " + vmName, s -> finish(s, vmName, templateName));
      provider.destroy(vmName);
      log.info("finish {}: template {} made", vmName, templateName);
      return made;
    }
  }

  private ProviderTemplate finish(VimSession s, String vmName, String templateName)
      throws IOException {
    String dc = places.datacenter(s, null);
    Optional<ManagedObject> existing = templates.find(s, dc, templateName);
    Optional<Vm> vm = vms.find(s, vmName);
    if (existing.isEmpty()) {
      Vm build = vm.orElseThrow(() -> provider.notFound(vmName));
      if (build.poweredOn()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED, vmName + " still runs; power it off first");
      }
      ManagedObject folder = places.folder(s, dc, templates.folderPath());
      try {
        s.runTask(
            "CloneVM_Task",
            build.ref(),
            folder.xml("folder")
                + VimXml.element("name", templateName)
                + CloneSpecs.template(annotation(s, dc, build)),
            provider.taskTimeout());
      } catch (VimFault f) {
        if (!f.is(VimFault.DUPLICATE_NAME)) {
          throw ProviderException.permanent(
              ErrorTypes.STEP_FAILED,
              "vCenter did not make template " + templateName + ": " + f.getMessage());
        }
      }
      existing = templates.find(s, dc, templateName);
    }
    ManagedObject template =
        existing.orElseThrow(
            () ->
                ProviderException.transientFailure(
                    "template " + templateName + " is not found after its clone"));
    String annotation =
        Optional.ofNullable(s.properties(template, "config.annotation").get("config.annotation"))
            .map(e -> e.getTextContent().strip())
            .orElse("");
    if (!Boolean.TRUE.equals(Templates.sidecar(annotation).prepared())) {
      if (vm.isEmpty()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED,
            "template " + templateName + " exists and was not made by Corral's preparation");
      }
      annotation = annotation(s, dc, vm.get());
      s.runTask(
          "ReconfigVM_Task",
          template,
          "<spec>" + VimXml.element("annotation", annotation) + "</spec>",
          provider.taskTimeout());
    }
    return Templates.sidecar(annotation).describe(templateName);
  }

  /** The prepared template's annotation: its raw template's group, the guest's version, today. */
  private String annotation(VimSession s, String dc, Vm build) throws IOException {
    String sourceName = build.corral().get(Vms.TEMPLATE_KEY);
    TemplateSidecar source = TemplateSidecar.NONE;
    if (sourceName != null) {
      Optional<ManagedObject> raw = templates.find(s, dc, sourceName);
      if (raw.isPresent()) {
        source =
            Templates.sidecar(
                Optional.ofNullable(
                        s.properties(raw.get(), "config.annotation").get("config.annotation"))
                    .map(e -> e.getTextContent().strip())
                    .orElse(""));
      }
    }
    String version = build.corral().get(Vms.GUEST_VERSION_KEY);
    TemplateSidecar sidecar =
        new TemplateSidecar(
            source.group(),
            version != null && !version.isBlank() ? version : source.version(),
            LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(),
            true,
            sourceName,
            null);
    return new String(sidecar.toJson(), StandardCharsets.UTF_8);
  }

  /**
   * Refuses while a VM of this provider still runs from it (linked clones share its disks);
   * deleting a template that is not there succeeds.
   */
  void deleteTemplate(String templateName) {
    if (templateName == null || !TEMPLATE_NAME.matcher(templateName).matches()) {
      return;
    }
    TemplateInUse.refuseWhileUsed(templateName, provider.inventory());
    sessions.task(
        "deleting template " + templateName,
        s -> {
          String dc = places.datacenter(s, null);
          Optional<ManagedObject> template = templates.find(s, dc, templateName);
          if (template.isEmpty()) {
            return null;
          }
          try {
            s.runTask("Destroy_Task", template.get(), "", provider.taskTimeout());
          } catch (VimFault f) {
            if (!f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
              throw f;
            }
          }
          places.forget(templates.path(dc, templateName));
          return null;
        });
  }
}
