package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.corral.activities.provider.Polling;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateInUse;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.activities.provider.docker.Containers.Box;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preparation steps after deploy on a Docker daemon: the guest agent verifies and seals, a TERM
 * (then KILL) stops the container, and finish commits it to a tagged image carrying the template
 * labels.
 */
final class DockerChain {
  private static final Logger log = LoggerFactory.getLogger(DockerChain.class);

  /** How long a KILL may take to end a container. */
  static final Duration KILL_WAIT = Duration.ofSeconds(30);

  static final Duration POLL = Duration.ofMillis(100);

  private final DockerProvider provider;
  private final DockerGuests guests;
  private final Daemon daemon;
  private final Containers containers;
  private final Clock clock;

  DockerChain(
      DockerProvider provider,
      DockerGuests guests,
      Daemon daemon,
      Containers containers,
      Clock clock) {
    this.provider = provider;
    this.guests = guests;
    this.daemon = daemon;
    this.containers = containers;
    this.clock = clock;
  }

  /**
   * The agent's answer, else the version of the READY line: a guest without an agent still printed
   * one.
   */
  Optional<String> guestVersion(String vmName) {
    guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    try {
      String version =
          guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, DockerGuests.PROBE_TIMEOUT).version();
      if (!version.isBlank()) {
        return Optional.of(version);
      }
    } catch (IOException e) {
      log.info(
          "verify {}: agent did not answer ({}), using the READY line", vmName, e.getMessage());
    }
    return SerialLog.ready(guests.output(vmName)).map(ReadyMarker::version);
  }

  /**
   * The guest stops its container after answering; one already stopped cleanly was sealed by an
   * earlier try. One that stopped otherwise (crashed, killed for memory) must not become a
   * template: the step fails for good with its last output.
   */
  void seal(String vmName) {
    Box box = find(vmName);
    if (!box.running()) {
      if (box.stoppedOnPurpose()) {
        return;
      }
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          vmName
              + " stopped before it was sealed (exit code "
              + box.exitCode()
              + "): "
              + guests.outputTail(vmName));
    }
    GuestSteps.seal(vmName, timeout -> guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, timeout));
  }

  /**
   * Sends the container's PID 1 a TERM (the guest's clean power-off), waits up to {@code graceful},
   * then KILLs it. A container already stopped stays stopped.
   */
  void powerOff(String vmName, Duration graceful) {
    synchronized (provider.lockOf(vmName)) {
      Box box = find(vmName);
      if (!box.running()) {
        return;
      }
      signal(box, "TERM");
      if (waitStopped(vmName, graceful)) {
        return;
      }
      log.info("{} did not stop within {}; killing it", vmName, graceful);
      signal(box, "KILL");
      if (!waitStopped(vmName, KILL_WAIT)) {
        throw ProviderException.transientFailure(vmName + " still runs after TERM and KILL");
      }
    }
  }

  private void signal(Box box, String signal) {
    daemon.with(
        signal + " to " + box.name(),
        d -> {
          try {
            d.killContainerCmd(box.id()).withSignal(signal).exec();
          } catch (ConflictException | NotFoundException stopped) {
            // Stopped or gone meanwhile: what waitStopped checks next.
          }
          return null;
        });
  }

  private boolean waitStopped(String vmName, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      boolean running =
          daemon.with(
              "state of " + vmName,
              d -> containers.find(d, vmName).map(Box::running).orElse(false));
      if (!running) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Polling.pause(POLL);
    }
  }

  /**
   * Commits the stopped container to image {@code templateName} with the template labels (its
   * source's group, the version the guest reported at deploy, today, prepared), then removes the
   * container. An image the commit made before failing is removed, so a retry starts clean; a
   * template that exists already is returned (a repeated call).
   */
  ProviderTemplate createTemplate(String vmName, String templateName) {
    if (!Images.validName(templateName)) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          "'" + templateName + "' cannot be an image name (lowercase, digits, '.', '_', '-', '/')");
    }
    synchronized (provider.lockOf(vmName)) {
      Optional<Images.Found> made =
          daemon.with("lookup of " + templateName, d -> Images.find(d, templateName));
      if (made.isPresent()) {
        provider.destroy(vmName);
        return made.get().describe();
      }
      Box box = find(vmName);
      if (box.running()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED, vmName + " still runs; power it off first");
      }
      String source = box.template();
      TemplateSidecar sourceLabels =
          source == null
              ? TemplateSidecar.NONE
              : daemon
                  .with("lookup of " + source, d -> Images.find(d, source))
                  .map(Images.Found::labels)
                  .orElse(TemplateSidecar.NONE);
      // The version the guest printed when deploy started it: after seal no agent answers.
      Optional<String> deployed = SerialLog.ready(guests.output(vmName)).map(ReadyMarker::version);
      TemplateSidecar labels =
          new TemplateSidecar(
              sourceLabels.group(),
              deployed.orElse(sourceLabels.version()),
              LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(),
              true,
              source,
              null);
      String[] ref = Images.repositoryAndTag(templateName);
      try {
        daemon.withHttp(
            "commit of " + vmName,
            http -> Commits.commit(http, box.id(), ref[0], ref[1], Labels.template(labels)));
      } catch (RuntimeException e) {
        removeHalfMade(templateName, e);
        throw e;
      }
      provider.destroy(vmName);
      log.info("finish {}: template {} committed", vmName, templateName);
    }
    return daemon
        .with("lookup of " + templateName, d -> Images.find(d, templateName))
        .map(Images.Found::describe)
        .orElseThrow(
            () ->
                ProviderException.transientFailure(
                    "template " + templateName + " is not listed after finish"));
  }

  private void removeHalfMade(String templateName, RuntimeException cause) {
    try {
      daemon.with(
          "removing the half-made " + templateName,
          d -> {
            Images.remove(d, templateName);
            return null;
          });
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * Refuses while a container of this provider still runs from it; the daemon refuses too while any
   * container (another provider's, one started by hand) uses the image.
   */
  void deleteTemplate(String templateName) {
    if (!Images.validName(templateName)) {
      return;
    }
    TemplateInUse.refuseWhileUsed(templateName, provider.inventory());
    daemon.with(
        "deleting template " + templateName,
        d -> {
          if (Images.find(d, templateName).isPresent()) {
            Images.remove(d, templateName);
          }
          return null;
        });
  }

  private Box find(String vmName) {
    return daemon
        .with("lookup of " + vmName, d -> containers.find(d, vmName))
        .orElseThrow(() -> guests.notFound(vmName));
  }
}
