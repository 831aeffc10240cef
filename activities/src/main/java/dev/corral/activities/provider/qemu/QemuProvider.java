package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.GuestSteps;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.guest.SerialLog.ReadyMarker;
import dev.corral.activities.provider.qemu.VmDir.Meta;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMs that really boot: each is a linked clone ({@code qemu-img create -b}) of a qcow2 template,
 * run by its own daemonized {@code qemu-system-x86_64}, in its own directory under {@code vms_dir}.
 * The directories are the provider's whole state, so the inventory survives a Corral crash and
 * running VMs are adopted on restart. The guest side is the contract of tools/guest: a READY marker
 * on the serial console and an HTTP agent.
 *
 * <p>Every call is idempotent by VM or template name and serialised per VM name, because Temporal
 * may run an activity again while (after a lost worker) its first run is still going.
 *
 * <p>This class holds the pool VM calls and deploy; {@link TemplateChain} has the other preparation
 * steps, {@link VmTasks} snapshots and disks, {@link Machines} what they share (VM directories,
 * per-VM locks, ports, stopping QEMU), and {@link HostCheck} what is checked before the provider
 * starts.
 */
public final class QemuProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(QemuProvider.class);

  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(60);

  /** How long deploy waits for the guest to come up. */
  static final Duration DEPLOY_BOOT_TIMEOUT = Duration.ofMinutes(10);

  private final String name;
  private final QemuSettings settings;
  private final Machines machines;
  private final QemuTemplates templates;
  private final Clock clock;
  private final TemplateChain chain;
  private final VmTasks tasks;

  QemuProvider(String name, QemuSettings settings, Path vmsDir, Clock clock) {
    this.name = name;
    this.settings = settings;
    this.machines = new Machines(name, settings, vmsDir.toAbsolutePath().normalize());
    this.templates = new QemuTemplates(settings.templatesDir().toAbsolutePath().normalize());
    this.clock = clock;
    this.chain = new TemplateChain(settings, machines, templates, clock);
    this.tasks = new VmTasks(settings, machines);
  }

  /**
   * Builds the provider once {@link HostCheck} finds nothing wrong; its problems name the config
   * keys.
   */
  public static QemuProvider create(ProviderConfig config, Path dataDir) {
    QemuSettings settings = (QemuSettings) config.settings();
    Path vmsDir =
        settings.vmsDir() != null
            ? settings.vmsDir()
            : dataDir.resolve("qemu").resolve(config.name());
    List<String> problems = HostCheck.problems(config, settings, vmsDir);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "provider " + config.name() + " (qemu) cannot start: " + String.join("; ", problems));
    }
    try {
      Files.createDirectories(vmsDir);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "providers."
              + config.name()
              + ".vms_dir: cannot create "
              + vmsDir.toAbsolutePath()
              + ": "
              + e);
    }
    return new QemuProvider(config.name(), settings, vmsDir, Clock.systemUTC());
  }

  @Override
  public String name() {
    return name;
  }

  Path vmsDir() {
    return machines.vmsDir();
  }

  // --- Pool VMs ---

  /**
   * Clones and starts the VM. A running VM of that name is returned as it is (a repeated call, or a
   * VM adopted after a crash); a directory whose QEMU is gone is a half-made or crashed VM and is
   * made again.
   */
  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    return cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
  }

  /** As {@link #cloneVm(String, String)}, with the pool's memory and CPUs over the provider's. */
  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    VmDir vm = machines.vm(vmName);
    synchronized (machines.lockOf(vmName)) {
      if (vm.exists()) {
        if (vm.running()) {
          log.debug("clone {}: already running, returning it", vmName);
          return machines.describe(vm);
        }
        log.info("clone {}: removing the leftover of an earlier try", vmName);
        vm.delete();
      }
      if (!templates.exists(template)) {
        throw ProviderException.permanent(
            ErrorTypes.TEMPLATE_NOT_FOUND,
            "provider "
                + name
                + " has no template '"
                + template
                + "' (looked for "
                + (QemuTemplates.validName(template)
                    ? templates.image(template)
                    : "a valid file name")
                + ")");
      }
      start(vm, template, shape);
      return machines.describe(vm);
    }
  }

  private void start(VmDir vm, String template, VmShape shape) {
    if (vm.qmpSocket().toString().length() > HostCheck.MAX_SOCKET_PATH) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED,
          "the QMP socket path "
              + vm.qmpSocket()
              + " is longer than "
              + HostCheck.MAX_SOCKET_PATH
              + " characters");
    }
    try {
      Files.createDirectories(vm.dir());
    } catch (IOException e) {
      throw ProviderException.transientFailure("cannot create " + vm.dir() + ": " + e.getMessage());
    }
    // The backing format is explicit: QEMU refuses to guess it, and guessing would be unsafe
    // anyway.
    Commands.Result clone =
        Commands.run(
            List.of(
                settings.qemuImg(),
                "create",
                "-q",
                "-f",
                "qcow2",
                "-F",
                "qcow2",
                "-b",
                templates.image(template).toString(),
                vm.disk().toString()),
            null,
            Machines.IMAGE_TIMEOUT);
    if (!clone.ok()) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED,
          "linked clone of " + template + " for " + vm.name() + " failed: " + clone.output());
    }
    vm.writeMeta(new Meta(template, clock.instant(), Map.of(), null));
    Commands.Result launch =
        Commands.run(QemuCommandLine.of(settings, shape, vm), vm.dir(), LAUNCH_TIMEOUT);
    if (!launch.ok()) {
      throw ProviderException.permanent(
          ErrorTypes.CLONE_FAILED, "QEMU did not start " + vm.name() + ": " + launch.output());
    }
    Map<String, Integer> ports = machines.readPorts(vm);
    vm.meta().ifPresent(meta -> vm.writeMeta(meta.withPorts(ports)));
    log.info(
        "clone {}: QEMU pid {} started from {}, ports {}",
        vm.name(),
        vm.pid().orElse(-1),
        template,
        ports);
  }

  @Override
  public Readiness checkReady(String vmName) {
    VmDir vm = machines.vm(vmName);
    if (!vm.exists()) {
      return Readiness.failed("provider " + name + " has no VM " + vmName);
    }
    if (!vm.running()) {
      return Readiness.failed(
          "QEMU of " + vmName + " is not running; console: " + SerialLog.tail(vm.serialLog(), 5));
    }
    Optional<ReadyMarker> marker = SerialLog.ready(vm.serialLog());
    if (marker.isEmpty()) {
      return Readiness.booting();
    }
    if (!marker.get().instanceId().equals(vmName)) {
      // A template that hard-codes an instance id would hand out clones that all claim to be the
      // same VM.
      return Readiness.failed(
          "the guest says it is '" + marker.get().instanceId() + "', not " + vmName);
    }
    Map<String, Integer> ports = machines.ports(vm);
    try {
      new GuestAgent(Machines.LOOPBACK, ports.get(QemuSettings.AGENT_PORT), Machines.PROBE_TIMEOUT)
          .version();
    } catch (IOException | RuntimeException e) {
      return Readiness.booting();
    }
    return Readiness.ready(vmName, Machines.LOOPBACK, ports);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    VmDir vm = machines.vm(vmName);
    return vm.exists() ? Optional.of(machines.describe(vm)) : Optional.empty();
  }

  @Override
  public List<ProviderVm> inventory() {
    return machines.inventory();
  }

  /**
   * Ends QEMU (QMP quit, then SIGKILL of the process that holds the pidfile lock) and removes the
   * directory. A clean ACPI shutdown would buy nothing: the disk is thrown away.
   */
  @Override
  public void destroy(String vmName) {
    VmDir vm = machines.vm(vmName);
    synchronized (machines.lockOf(vmName)) {
      if (!vm.exists()) {
        return;
      }
      machines.stop(vm, Duration.ZERO);
      vm.delete();
      log.info("destroy {}: QEMU ended, directory removed", vmName);
    }
    machines.forget(vmName);
  }

  @Override
  public void cleanForReuse(String vmName) {
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.CLEANUP_FAILED);
    GuestSteps.cleanForReuse(vmName, timeout -> machines.agent(vm, timeout));
  }

  // --- Template preparation ---

  @Override
  public List<ProviderTemplate> templates() {
    return templates.list();
  }

  /**
   * Clones and boots the build VM, and returns once the guest is up (its READY marker and agent).
   */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    cloneVm(vmName, template);
    GuestSteps.awaitReady(
        vmName,
        DEPLOY_BOOT_TIMEOUT,
        () -> checkReady(vmName),
        () -> SerialLog.tail(machines.vm(vmName).serialLog(), 5));
    VmDir dir = machines.vm(vmName);
    SerialLog.ready(dir.serialLog())
        .ifPresent(
            marker ->
                dir.meta()
                    .ifPresent(meta -> dir.writeMeta(meta.withGuestVersion(marker.version()))));
    return machines.describe(dir);
  }

  @Override
  public Optional<String> guestVersion(String vmName) {
    return chain.guestVersion(vmName);
  }

  @Override
  public void configure(String vmName, Map<String, String> configuration) {
    chain.configure(vmName, configuration);
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

  // --- VM tasks ---

  @Override
  public void snapshot(String vmName, String snapshotId) {
    tasks.snapshot(vmName, snapshotId);
  }

  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    tasks.revertSnapshot(vmName, snapshotId);
  }

  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    tasks.addDisk(vmName, diskId, sizeGb);
  }
}
