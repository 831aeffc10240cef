package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.docker.Containers.Box;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The containers of one docker provider as the guest contract of tools/guest sees them: the READY
 * line on a container's output (its log), the agent on the published agent port, and the log's tail
 * for errors.
 */
final class DockerGuests {
  /** One readiness probe of the agent: the agent answers in milliseconds once it is up. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  /** The READY line comes first in a guest's output; a guest that spews is not read to its end. */
  private static final int MAX_LOG = 256 * 1024;

  private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

  private final String name;
  private final DockerSettings settings;
  private final Daemon daemon;
  private final Containers containers;

  /**
   * The containers whose guest answered as itself: they stay ready, so later probes and listings
   * read no log. Forgotten when the container goes.
   */
  private final Set<String> ready = ConcurrentHashMap.newKeySet();

  DockerGuests(String name, DockerSettings settings, Daemon daemon, Containers containers) {
    this.name = name;
    this.settings = settings;
    this.daemon = daemon;
    this.containers = containers;
  }

  ProviderException notFound(String vmName) {
    return ProviderException.permanent(
        ErrorTypes.VM_NOT_FOUND, "provider " + name + " has no VM " + vmName);
  }

  /** Whether {@code box} is known ready, for describing it without reading its log. */
  boolean seenReady(Box box) {
    return box.running() && ready.contains(box.id());
  }

  void forget(Box box) {
    ready.remove(box.id());
  }

  /**
   * Ready once the container's output has the READY line with the VM's own instance id and the
   * agent answers as that instance on its published port.
   */
  Readiness checkReady(String vmName) {
    Optional<Box> found = daemon.with("readiness of " + vmName, d -> containers.find(d, vmName));
    if (found.isEmpty()) {
      return Readiness.failed("provider " + name + " has no VM " + vmName);
    }
    Box box = found.get();
    if (box.starting()) {
      return Readiness.booting();
    }
    if (!box.running()) {
      return Readiness.failed(
          "the container of "
              + vmName
              + " is "
              + box.status()
              + " (exit code "
              + box.exitCode()
              + (box.oomKilled() ? ", killed for want of memory" : "")
              + "); output: "
              + outputTail(vmName));
    }
    Integer agentPort = box.hostPorts().get(GuestContract.AGENT_PORT);
    if (agentPort == null) {
      return Readiness.failed("the container of " + vmName + " publishes no agent port");
    }
    if (!ready.contains(box.id())) {
      Optional<ReadyMarker> marker = SerialLog.ready(output(vmName));
      if (marker.isEmpty()) {
        return Readiness.booting();
      }
      if (!marker.get().instanceId().equals(vmName)) {
        // An image whose entrypoint hard-codes an instance id would hand out containers that all
        // claim to be the same VM.
        return Readiness.failed(
            "the guest says it is '" + marker.get().instanceId() + "', not " + vmName);
      }
      String instance;
      try {
        instance =
            new GuestAgent(settings.address(), agentPort, PROBE_TIMEOUT)
                .info()
                .getOrDefault("instance", "");
      } catch (IOException | RuntimeException e) {
        return Readiness.booting();
      }
      if (!instance.equals(vmName)) {
        return Readiness.failed("the guest agent says it is '" + instance + "', not " + vmName);
      }
      ready.add(box.id());
    }
    return Readiness.ready(vmName, settings.address(), box.hostPorts());
  }

  /**
   * The agent of a running container of this provider; one missing or stopped is {@code errorType}.
   */
  GuestAgent agentOf(String vmName, String errorType, Duration timeout) {
    Box box = requireRunning(vmName, errorType);
    Integer port = box.hostPorts().get(GuestContract.AGENT_PORT);
    if (port == null) {
      throw ProviderException.permanent(
          errorType, "the container of " + vmName + " publishes no agent port");
    }
    return new GuestAgent(settings.address(), port, timeout);
  }

  Box requireRunning(String vmName, String errorType) {
    Box box =
        daemon
            .with("lookup of " + vmName, d -> containers.find(d, vmName))
            .orElseThrow(
                () ->
                    ProviderException.permanent(
                        errorType, "provider " + name + " has no VM " + vmName));
    if (!box.running()) {
      throw ProviderException.permanent(errorType, vmName + " is not running");
    }
    return box;
  }

  /** What the container printed (stdout and stderr), from its start, up to {@link #MAX_LOG}. */
  String output(String vmName) {
    return daemon.with("output of " + vmName, d -> read(d, vmName));
  }

  /** The last lines of the container's output, for error messages. */
  String outputTail(String vmName) {
    String[] lines;
    try {
      lines = output(vmName).replace("\r", "").strip().split("\n");
    } catch (ProviderException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
    return String.join(
        " | ", Arrays.copyOfRange(lines, Math.max(0, lines.length - 5), lines.length));
  }

  private static String read(DockerClient docker, String vmName) throws IOException {
    StringBuilder out = new StringBuilder();
    ResultCallback.Adapter<Frame> collect =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            if (out.length() < MAX_LOG) {
              out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
            }
          }
        };
    try {
      docker
          .logContainerCmd(vmName)
          .withStdOut(true)
          .withStdErr(true)
          .withFollowStream(false)
          .exec(collect);
      if (!collect.awaitCompletion(LOG_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        collect.close();
        // A slow answer is not a daemon gone: an IOException here would drop the client that
        // every other call shares.
        throw ProviderException.transientFailure(
            "the log of " + vmName + " did not come within " + LOG_TIMEOUT);
      }
    } catch (NotFoundException gone) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted");
    }
    return out.toString();
  }
}
