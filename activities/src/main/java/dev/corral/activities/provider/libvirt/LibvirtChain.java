package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.Polling;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateInUse;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
import dev.corral.activities.provider.libvirt.Domains.Vm;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preparation steps after deploy on libvirt: the guest agent verifies and seals, libvirt powers
 * the domain off (ACPI, then destroy), and finish copies its disk into a standalone read-only
 * template volume (libvirt's volume copy flattens the backing chain).
 */
final class LibvirtChain {
  private static final Logger log = LoggerFactory.getLogger(LibvirtChain.class);

  /**
   * After seal the guest powers itself off; powerOff waits this long before pressing the power
   * button.
   */
  static final Duration SELF_POWER_OFF_WAIT = Duration.ofSeconds(5);

  /** How long a destroy may take to stop QEMU. */
  static final Duration DESTROY_WAIT = Duration.ofSeconds(30);

  static final Duration POLL = Duration.ofMillis(200);

  private final LibvirtProvider provider;
  private final LibvirtGuests guests;
  private final LibvirtConnection connection;
  private final Domains domains;
  private final Volumes volumes;
  private final Clock clock;

  LibvirtChain(
      LibvirtProvider provider,
      LibvirtGuests guests,
      LibvirtConnection connection,
      Domains domains,
      Volumes volumes,
      Clock clock) {
    this.provider = provider;
    this.guests = guests;
    this.connection = connection;
    this.domains = domains;
    this.volumes = volumes;
    this.clock = clock;
  }

  /**
   * Keeps the version the freshly deployed guest reports in the domain's metadata: finish writes it
   * into the new template's sidecar, after seal has taken the agent away.
   */
  void recordGuestVersion(String vmName) {
    Optional<String> version = liveVersion(vmName);
    if (version.isEmpty()) {
      return;
    }
    connection.with(
        "recording the guest version of " + vmName,
        c -> {
          Optional<Vm> vm = domains.find(c, vmName);
          if (vm.isPresent()) {
            domains.writeMetadata(
                vm.get().domain(),
                vm.get().metadata().withGuestVersion(version.get()),
                vm.get().active());
          }
          return null;
        });
  }

  /**
   * The agent's answer, else the version of the READY marker: a guest without an agent still
   * printed one.
   */
  Optional<String> guestVersion(String vmName) {
    guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    return liveVersion(vmName);
  }

  private Optional<String> liveVersion(String vmName) {
    try {
      String version =
          guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, LibvirtGuests.PROBE_TIMEOUT).version();
      if (!version.isBlank()) {
        return Optional.of(version);
      }
    } catch (IOException e) {
      log.info(
          "verify {}: agent did not answer ({}), using the console marker", vmName, e.getMessage());
    }
    return SerialLog.ready(guests.consoleLog(vmName)).map(ReadyMarker::version);
  }

  /** The guest powers itself off after answering; a VM already off was sealed by an earlier try. */
  void seal(String vmName) {
    Optional<Vm> vm = connection.with("lookup of " + vmName, c -> domains.find(c, vmName));
    if (vm.isEmpty()) {
      throw guests.notFound(vmName);
    }
    if (!vm.get().active()) {
      return;
    }
    GuestSteps.seal(vmName, timeout -> guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, timeout));
  }

  /**
   * Marks the VM as powered off on purpose, then lets a sealed guest go down on its own, presses
   * the ACPI power button and waits up to {@code graceful}, and finally destroys (pulls the plug).
   */
  void powerOff(String vmName, Duration graceful) {
    synchronized (provider.lockOf(vmName)) {
      Vm vm =
          connection
              .with(
                  "power off of " + vmName,
                  c -> {
                    Optional<Vm> found = domains.find(c, vmName);
                    if (found.isPresent() && !found.get().metadata().poweredOff()) {
                      domains.writeMetadata(
                          found.get().domain(),
                          found.get().metadata().asPoweredOff(),
                          found.get().active());
                    }
                    return found;
                  })
              .orElseThrow(() -> guests.notFound(vmName));
      if (waitStopped(vmName, SELF_POWER_OFF_WAIT)) {
        return;
      }
      connection.with(
          "ACPI shutdown of " + vmName,
          c -> {
            try {
              vm.domain().shutdown();
            } catch (org.libvirt.LibvirtException e) {
              // Already off: what waitStopped checks next.
              log.debug("shutdown {}: {}", vmName, LibvirtConnection.message(e));
            }
            return null;
          });
      if (waitStopped(vmName, graceful)) {
        return;
      }
      log.info("{} did not power off within {}; destroying it", vmName, graceful);
      connection.with(
          "destroy of " + vmName,
          c -> {
            try {
              vm.domain().destroy();
            } catch (org.libvirt.LibvirtException e) {
              log.debug("destroy {}: {}", vmName, LibvirtConnection.message(e));
            }
            return null;
          });
      if (!waitStopped(vmName, DESTROY_WAIT)) {
        throw ProviderException.transientFailure(vmName + " still runs after ACPI and destroy");
      }
    }
  }

  private boolean waitStopped(String vmName, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      boolean active =
          connection.with(
              "state of " + vmName, c -> domains.find(c, vmName).map(Vm::active).orElse(false));
      if (!active) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Polling.pause(POLL);
    }
  }

  /**
   * Copies the powered-off VM's disk into template volume {@code T.qcow2} (standalone, 0444) and
   * writes its sidecar, then removes the VM. The sidecar says partial while the copy runs, so a
   * crash in between never leaves a template that looks whole; the retry makes it again.
   */
  ProviderTemplate createTemplate(String vmName, String templateName) {
    if (!Volumes.validTemplateName(templateName)) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + templateName + "' cannot be a template volume name");
    }
    synchronized (provider.lockOf(vmName)) {
      Optional<ProviderTemplate> made =
          connection.with("lookup of " + templateName, c -> volumes.template(c, templateName));
      if (made.isPresent()) {
        provider.destroy(vmName);
        return made.get();
      }
      connection.with(
          "finish of " + vmName,
          c -> {
            Vm vm = domains.find(c, vmName).orElseThrow(() -> guests.notFound(vmName));
            if (vm.active()) {
              throw ProviderException.permanent(
                  ErrorTypes.STEP_FAILED, vmName + " still runs; power it off first");
            }
            StoragePool pool = volumes.pool(c);
            StorageVol disk =
                volumes
                    .find(pool, Volumes.vmDisk(vmName))
                    .orElseThrow(
                        () ->
                            ProviderException.permanent(
                                ErrorTypes.STEP_FAILED, vmName + " has no disk volume"));
            VmMetadata meta = vm.metadata();
            TemplateSidecar source =
                meta.template() == null || !Volumes.validTemplateName(meta.template())
                    ? TemplateSidecar.NONE
                    : volumes.sidecar(c, pool, meta.template());
            TemplateSidecar sidecar =
                new TemplateSidecar(
                    source.group(),
                    meta.guestVersion() != null ? meta.guestVersion() : source.version(),
                    LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(),
                    true,
                    meta.template(),
                    true);
            volumes.writeSidecar(c, pool, templateName, sidecar);
            volumes.delete(pool, templateName + Volumes.IMAGE);
            pool.storageVolCreateXMLFrom(
                DomainXml.volume(
                    templateName + Volumes.IMAGE, "qcow2", disk.getInfo().capacity, true),
                disk,
                0);
            volumes.writeSidecar(c, pool, templateName, sidecar.complete());
            return null;
          });
      provider.destroy(vmName);
      log.info("finish {}: template {} written", vmName, templateName);
    }
    return connection
        .with("lookup of " + templateName, c -> volumes.template(c, templateName))
        .orElseThrow(
            () ->
                ProviderException.transientFailure(
                    "template " + templateName + " is not listed after finish"));
  }

  /**
   * Refuses while a VM of this provider still runs from it: its volume is that VM's backing store.
   */
  void deleteTemplate(String templateName) {
    if (!Volumes.validTemplateName(templateName)) {
      return;
    }
    TemplateInUse.refuseWhileUsed(templateName, provider.inventory());
    connection.with(
        "deleting template " + templateName,
        c -> {
          StoragePool pool = volumes.pool(c);
          // A template copied in by hand is a volume only once libvirt has looked again.
          volumes.refresh(pool);
          volumes.delete(pool, templateName + Volumes.IMAGE);
          volumes.delete(pool, templateName + Volumes.SIDECAR);
          return null;
        });
  }
}
