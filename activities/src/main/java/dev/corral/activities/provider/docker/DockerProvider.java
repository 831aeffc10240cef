package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderFeatures;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.docker.Containers.Box;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import dev.corral.workflows.model.VmTaskKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMs as containers on one Docker Engine API endpoint (Docker, or Podman's compatible service). A
 * VM is a container named after it and labelled as Corral's ({@link Labels}), run from a template
 * image with the pool's memory and CPUs as limits and its guest ports published on a random port of
 * {@link DockerSettings#publishAddress}; the daemon holds the provider's whole state, so containers
 * outlive Corral and are adopted on start-up. The guest side is the contract of tools/guest built
 * as a container (tools/guest/container): the instance id in an environment variable, the READY
 * line on the container's output, and the HTTP agent.
 *
 * <p>Containers have no snapshots and take no extra disks: {@link #features} says so, and those
 * tasks are refused for good. Every other call is idempotent by VM or template name and serialised
 * per VM name, because Temporal may run an activity again while (after a lost worker) its first run
 * is still going.
 *
 * <p>This class holds the pool VM calls and deploy; {@link DockerGuests} readiness and the way to a
 * guest's agent, {@link DockerChain} the other preparation steps, {@link Containers} and {@link
 * Images} the daemon's objects.
 */
public final class DockerProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(DockerProvider.class);

  /** The environment variable the container guest reads its instance id from. */
  public static final String INSTANCE_ID_ENV = "CORRAL_INSTANCE_ID";

  /** How long deploy waits for the guest to come up: a container guest is up in a second. */
  static final Duration DEPLOY_BOOT_TIMEOUT = Duration.ofMinutes(2);

  static final ProviderFeatures FEATURES =
      new ProviderFeatures(
          Map.of(
              VmTaskKinds.SNAPSHOT,
              "containers have no snapshots (a template is made by committing a build container)",
              VmTaskKinds.REVERT,
              "containers have no snapshots to revert to",
              VmTaskKinds.DISK,
              "containers take no extra disks"));

  private final String name;
  private final DockerSettings settings;
  private final Daemon daemon;
  private final Containers containers;
  private final Clock clock;
  private final DockerGuests guests;
  private final DockerChain chain;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  DockerProvider(String name, DockerSettings settings, Clock clock) {
    this.name = name;
    this.settings = settings;
    this.daemon = new Daemon(name, settings);
    this.containers = new Containers(settings.scope() != null ? settings.scope() : name);
    this.clock = clock;
    this.guests = new DockerGuests(name, settings, daemon, containers);
    this.chain = new DockerChain(this, guests, daemon, containers, clock);
  }

  /**
   * Builds the provider. What can be checked from here is: a problem names its config key. An
   * unreachable daemon does not stop Corral: the provider shows unreachable until it answers.
   */
  public static DockerProvider create(ProviderConfig config) {
    DockerSettings settings = (DockerSettings) config.settings();
    String key = "providers." + config.name() + ".";
    if (settings.tlsCertDir() != null) {
      for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
        Path p = Path.of(settings.tlsCertDir(), file);
        if (!Files.isReadable(p)) {
          throw new IllegalArgumentException(key + "tls_cert_dir: cannot read " + p);
        }
      }
    }
    DockerProvider provider = new DockerProvider(config.name(), settings, Clock.systemUTC());
    try {
      provider.daemon.with("ping", d -> d.pingCmd().exec());
      log.info("provider {}: Docker endpoint {} answers", config.name(), settings.host());
    } catch (ProviderException unreachable) {
      log.warn(
          "provider {}: {}; it shows unreachable until the daemon answers",
          config.name(),
          unreachable.getMessage());
    }
    return provider;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public ProviderFeatures features() {
    return FEATURES;
  }

  Object lockOf(String vmName) {
    return vmLocks.computeIfAbsent(vmName, k -> new Object());
  }

  // --- Pool VMs ---

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    return cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
  }

  /**
   * Creates the container from the template's image, labelled as Corral's, with the shape's limits
   * and the guest ports published, and starts it. A running container of that name is returned as
   * it is (a repeated call, or one adopted after a crash); a stopped one is the leftover of an
   * earlier try and is made again. Another's container of that name fails for good.
   */
  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    if (!Containers.validName(vmName)) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED, "'" + vmName + "' cannot be a container name");
    }
    VmShape s = VmShape.orDefault(shape);
    synchronized (lockOf(vmName)) {
      return daemon.with(
          "clone of " + vmName,
          d -> {
            Optional<Box> existing = Containers.lookup(d, vmName);
            if (existing.isPresent()) {
              if (!containers.ours(existing.get())) {
                throw ProviderException.permanent(
                    ErrorTypes.CLONE_FAILED,
                    "a container called "
                        + vmName
                        + " exists on "
                        + settings.host()
                        + " and is not Corral's (scope "
                        + containers.scope()
                        + "); it is left alone");
              }
              if (existing.get().running()) {
                log.debug("clone {}: already running, returning it", vmName);
                return Containers.describe(
                    existing.get(), guests.seenReady(existing.get()), settings.address());
              }
              log.info("clone {}: removing the leftover of an earlier try", vmName);
              remove(d, existing.get());
            }
            Images.Found image =
                Images.find(d, template)
                    .orElseThrow(
                        () ->
                            ProviderException.permanent(
                                ErrorTypes.TEMPLATE_NOT_FOUND,
                                "provider "
                                    + name
                                    + " has no template '"
                                    + template
                                    + "' (an image tagged "
                                    + template
                                    + " with label "
                                    + Labels.TEMPLATE_VERSION
                                    + " on "
                                    + settings.host()
                                    + ")"));
            String id;
            try {
              id =
                  create(d.createContainerCmd(image.imageId()), vmName, template, s).exec().getId();
            } catch (ConflictException raced) {
              // Another run of this activity made it meanwhile: the retry finds it.
              throw ProviderException.transientFailure(
                  "clone of " + vmName + ": " + Daemon.message(raced));
            }
            try {
              d.startContainerCmd(id).exec();
            } catch (NotFoundException | ConflictException e) {
              throw ProviderException.transientFailure(
                  "starting " + vmName + " failed: " + Daemon.message(e));
            } catch (DockerException e) {
              if (Daemon.message(e).contains("address already in use")) {
                // Podman picks a free host port at create but binds it only at start: two
                // containers started at once may get the same one. The retry makes the container
                // again (the stopped one is a leftover), with a port picked afresh.
                throw ProviderException.transientFailure(
                    "starting "
                        + vmName
                        + " raced another start for its port: "
                        + Daemon.message(e));
              }
              throw ProviderException.permanent(
                  ErrorTypes.CLONE_FAILED,
                  "the daemon did not start " + vmName + ": " + Daemon.message(e));
            }
            Box started = Containers.lookup(d, vmName).orElseThrow(() -> guests.notFound(vmName));
            log.info(
                "clone {}: container started from {} on {}, ports {}",
                vmName,
                template,
                settings.host(),
                started.hostPorts());
            return Containers.describe(started, false, settings.address());
          });
    }
  }

  private CreateContainerCmd create(
      CreateContainerCmd cmd, String vmName, String template, VmShape shape) {
    long memoryBytes =
        (shape.memoryMb() != null ? shape.memoryMb() : settings.memoryMb()) * 1024L * 1024L;
    long cpus = shape.cpus() != null ? shape.cpus() : settings.cpus();
    List<ExposedPort> exposed = new ArrayList<>();
    List<PortBinding> bindings = new ArrayList<>();
    for (int guestPort : settings.ports().values()) {
      ExposedPort p = ExposedPort.tcp(guestPort);
      exposed.add(p);
      // No host port: the daemon picks a free one, read back from the container.
      bindings.add(new PortBinding(Ports.Binding.bindIp(settings.publishAddress()), p));
    }
    return cmd.withName(vmName)
        .withHostName(vmName)
        .withEnv(INSTANCE_ID_ENV + "=" + vmName)
        .withLabels(
            Labels.container(
                containers.scope(), template, shape.pool(), clock.instant(), settings.ports()))
        .withExposedPorts(exposed)
        .withHostConfig(
            HostConfig.newHostConfig()
                .withMemory(memoryBytes)
                // The same as memory: no swap beyond the pool's memory.
                .withMemorySwap(memoryBytes)
                .withNanoCPUs(cpus * 1_000_000_000L)
                .withPortBindings(bindings));
  }

  @Override
  public Readiness checkReady(String vmName) {
    return guests.checkReady(vmName);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    return daemon.with(
        "lookup of " + vmName, d -> containers.find(d, vmName).map(b -> describe(b)));
  }

  @Override
  public List<ProviderVm> inventory() {
    return daemon.with(
        "listing containers",
        d -> {
          List<ProviderVm> vms = new ArrayList<>();
          for (String vmName : containers.names(d)) {
            // Gone between the listing and the look: not there.
            containers.find(d, vmName).ifPresent(b -> vms.add(describe(b)));
          }
          return vms;
        });
  }

  /** A running container is RUNNING once its guest was seen ready, by a probe or now. */
  private ProviderVm describe(Box box) {
    boolean ready =
        guests.seenReady(box)
            || (box.running() && guests.checkReady(box.name()).state() == Readiness.State.READY);
    return Containers.describe(box, ready, settings.address());
  }

  /**
   * Removes the container by force (it stops at once: its writable layer is thrown away). A
   * container of that name that is not Corral's is left alone.
   */
  @Override
  public void destroy(String vmName) {
    if (!Containers.validName(vmName)) {
      return;
    }
    synchronized (lockOf(vmName)) {
      daemon.with(
          "destroy of " + vmName,
          d -> {
            Optional<Box> box = Containers.lookup(d, vmName);
            if (box.isPresent() && !containers.ours(box.get())) {
              log.warn(
                  "destroy {}: the container of that name on {} is not Corral's; left alone",
                  vmName,
                  settings.host());
            } else if (box.isPresent()) {
              remove(d, box.get());
              log.info("destroy {}: container removed", vmName);
            }
            return null;
          });
    }
    vmLocks.remove(vmName);
  }

  private void remove(DockerClient d, Box box) {
    guests.forget(box);
    try {
      d.removeContainerCmd(box.id()).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException gone) {
      // Removed meanwhile.
    }
  }

  @Override
  public void cleanForReuse(String vmName) {
    GuestSteps.cleanForReuse(
        vmName, timeout -> guests.agentOf(vmName, ErrorTypes.CLEANUP_FAILED, timeout));
  }

  // --- Template preparation ---

  /** Each tag of an image carrying Corral's template labels, raw or prepared. */
  @Override
  public List<ProviderTemplate> templates() {
    return daemon.with(
        "listing templates", d -> Images.list(d).stream().map(Images.Found::describe).toList());
  }

  /** Runs the build container from the raw image, and returns once the guest is up. */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    cloneVm(vmName, template);
    GuestSteps.awaitReady(
        vmName, DEPLOY_BOOT_TIMEOUT, () -> checkReady(vmName), () -> guests.outputTail(vmName));
    return get(vmName).orElseThrow(() -> guests.notFound(vmName));
  }

  @Override
  public Optional<String> guestVersion(String vmName) {
    return chain.guestVersion(vmName);
  }

  @Override
  public void configure(String vmName, Map<String, String> configuration) {
    GuestSteps.configure(
        vmName, timeout -> guests.agentOf(vmName, ErrorTypes.VM_NOT_FOUND, timeout), configuration);
  }

  @Override
  public void seal(String vmName) {
    chain.seal(vmName);
  }

  @Override
  public void powerOff(String vmName, Duration graceful) {
    chain.powerOff(vmName, graceful);
  }

  @Override
  public ProviderTemplate createTemplate(String vmName, String templateName) {
    return chain.createTemplate(vmName, templateName);
  }

  @Override
  public void deleteTemplate(String templateName) {
    chain.deleteTemplate(templateName);
  }

  // --- VM tasks: none applies to a container (see features()). ---

  /** Refused for good: containers have no snapshots. */
  @Override
  public void snapshot(String vmName, String snapshotId) {
    FEATURES.require(name, VmTaskKinds.SNAPSHOT);
  }

  /** Refused for good: containers have no snapshots. */
  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    FEATURES.require(name, VmTaskKinds.REVERT);
  }

  /** Refused for good: containers take no extra disks. */
  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    FEATURES.require(name, VmTaskKinds.DISK);
  }

  @Override
  public void close() {
    daemon.close();
  }
}
