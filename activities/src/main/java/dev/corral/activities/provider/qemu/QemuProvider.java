package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.qemu.QemuTemplates.Sidecar;
import dev.corral.activities.provider.qemu.SerialLog.ReadyMarker;
import dev.corral.activities.provider.qemu.VmDir.Meta;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
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
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * VMs that really boot: each is a linked clone ({@code qemu-img create -b}) of a qcow2 template, run by its own
 * daemonized {@code qemu-system-x86_64}, in its own directory under {@code vms_dir}. The directories are the
 * provider's whole state, so the inventory survives a Corral crash and running VMs are adopted on restart.
 * The guest side is the contract of tools/guest: a READY marker on the serial console and an HTTP agent.
 *
 * <p>Every call is idempotent by VM or template name and serialised per VM name, because Temporal may run an
 * activity again while (after a lost worker) its first run is still going.
 */
public final class QemuProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(QemuProvider.class);

  /** What a lease reply gives as the VM's address: its forwards listen on loopback only. */
  static final String LOOPBACK = "127.0.0.1";
  /** VM names become directory names and fw_cfg strings. */
  private static final Pattern VM_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** Snapshot ids become qcow2 snapshot tags, disk ids file and QMP node names. */
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** sun_path holds 108 bytes with its NUL; a longer socket path cannot be bound. */
  static final int MAX_SOCKET_PATH = 107;
  private static final Pattern HOST_FORWARD =
      Pattern.compile("HOST_FORWARD\\]\\s+\\d+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)");

  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(60);
  static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(10);
  static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);
  /** A snapshot writes the guest's RAM into the image: slow under emulation. */
  static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(5);
  /** One readiness probe of the agent: the agent answers in milliseconds once the marker is out. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
  /** Agent calls of the chain and of the reuse cleanup. */
  static final Duration AGENT_TIMEOUT = Duration.ofMinutes(5);
  /** A group's configure script may install software: it gets most of the configure step's two hours. */
  static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(110);
  /** How long deploy waits for the guest to come up. */
  static final Duration DEPLOY_BOOT_TIMEOUT = Duration.ofMinutes(10);
  /** How long a QMP quit (then SIGKILL) may take to end QEMU. */
  static final Duration KILL_WAIT = Duration.ofSeconds(10);
  /** After seal the guest powers itself off; powerOff waits this long before pressing the power button. */
  static final Duration SELF_POWER_OFF_WAIT = Duration.ofSeconds(5);
  static final Duration POLL = Duration.ofMillis(100);

  private final String name;
  private final QemuSettings settings;
  private final Path vmsDir;
  private final QemuTemplates templates;
  private final Clock clock;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  QemuProvider(String name, QemuSettings settings, Path vmsDir, Clock clock) {
    this.name = name;
    this.settings = settings;
    this.vmsDir = vmsDir.toAbsolutePath().normalize();
    this.templates = new QemuTemplates(settings.templatesDir().toAbsolutePath().normalize());
    this.clock = clock;
  }

  /**
   * Checks what the provider needs before it takes any VM: the templates directory, kernel and initrd, both QEMU
   * tools, and a VM directory short enough for a QMP socket. Each problem names the config key, so a broken
   * provider stops Corral at start-up instead of failing every clone later.
   */
  public static QemuProvider create(ProviderConfig config, Path dataDir) {
    QemuSettings settings = (QemuSettings) config.settings();
    String key = "providers." + config.name() + ".";
    Path vmsDir = settings.vmsDir() != null ? settings.vmsDir() : dataDir.resolve("qemu").resolve(config.name());
    List<String> problems = new ArrayList<>();
    if (!Files.isDirectory(settings.templatesDir())) {
      problems.add(key + "templates_dir: " + settings.templatesDir().toAbsolutePath() + " is not a directory");
    }
    if (settings.kernel() != null && !Files.isReadable(settings.kernel())) {
      problems.add(key + "kernel: cannot read " + settings.kernel().toAbsolutePath());
    }
    if (settings.initrd() != null && !Files.isReadable(settings.initrd())) {
      problems.add(key + "initrd: cannot read " + settings.initrd().toAbsolutePath());
    }
    for (Map.Entry<String, String> tool : Map.of(
        "qemu_binary", settings.qemuBinary(), "qemu_img", settings.qemuImg()).entrySet()) {
      Commands.Result r = Commands.run(List.of(tool.getValue(), "--version"), null, Duration.ofSeconds(20));
      if (!r.ok()) {
        problems.add(key + tool.getKey() + ": '" + tool.getValue() + "' does not run (" + r.output()
            + "); on Debian: apt-get install qemu-system-x86 qemu-utils");
      }
    }
    // Corral's VM names are at most 23 characters (corral-build-xxxxxxxxxx); 32 leaves room.
    int socketPath = vmsDir.toAbsolutePath().normalize().toString().length() + 1 + 32 + "/qmp.sock".length();
    if (socketPath > MAX_SOCKET_PATH) {
      problems.add(key + "vms_dir: " + vmsDir.toAbsolutePath().normalize() + " is too long for QMP sockets ("
          + socketPath + " > " + MAX_SOCKET_PATH + " characters); choose a shorter directory");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("provider " + config.name() + " (qemu) cannot start: "
          + String.join("; ", problems));
    }
    try {
      Files.createDirectories(vmsDir);
    } catch (IOException e) {
      throw new IllegalArgumentException(key + "vms_dir: cannot create " + vmsDir.toAbsolutePath() + ": " + e);
    }
    return new QemuProvider(config.name(), settings, vmsDir, Clock.systemUTC());
  }

  @Override
  public String name() {
    return name;
  }

  Path vmsDir() {
    return vmsDir;
  }

  // --- Pool VMs ---

  /**
   * Clones and starts the VM. A running VM of that name is returned as it is (a repeated call, or a VM adopted
   * after a crash); a directory whose QEMU is gone is a half-made or crashed VM and is made again.
   */
  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    return cloneVm(vmName, template, VmShape.PROVIDER_DEFAULT);
  }

  /** As {@link #cloneVm(String, String)}, with the pool's memory and CPUs over the provider's. */
  @Override
  public ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    VmDir vm = vm(vmName);
    synchronized (lockOf(vmName)) {
      if (vm.exists()) {
        if (vm.running()) {
          log.debug("clone {}: already running, returning it", vmName);
          return describe(vm);
        }
        log.info("clone {}: removing the leftover of an earlier try", vmName);
        vm.delete();
      }
      if (!templates.exists(template)) {
        throw ProviderException.permanent(ErrorTypes.TEMPLATE_NOT_FOUND,
            "provider " + name + " has no template '" + template + "' (looked for "
                + (QemuTemplates.validName(template) ? templates.image(template) : "a valid file name") + ")");
      }
      start(vm, template, shape);
      return describe(vm);
    }
  }

  private void start(VmDir vm, String template, VmShape shape) {
    if (vm.qmpSocket().toString().length() > MAX_SOCKET_PATH) {
      throw ProviderException.permanent(ErrorTypes.CLONE_FAILED,
          "the QMP socket path " + vm.qmpSocket() + " is longer than " + MAX_SOCKET_PATH + " characters");
    }
    try {
      Files.createDirectories(vm.dir());
    } catch (IOException e) {
      throw ProviderException.transientFailure("cannot create " + vm.dir() + ": " + e.getMessage());
    }
    // The backing format is explicit: QEMU refuses to guess it, and guessing would be unsafe anyway.
    Commands.Result clone = Commands.run(List.of(settings.qemuImg(), "create", "-q", "-f", "qcow2", "-F", "qcow2",
        "-b", templates.image(template).toString(), vm.disk().toString()), null, IMAGE_TIMEOUT);
    if (!clone.ok()) {
      throw ProviderException.permanent(ErrorTypes.CLONE_FAILED,
          "linked clone of " + template + " for " + vm.name() + " failed: " + clone.output());
    }
    vm.writeMeta(new Meta(template, clock.instant(), Map.of(), null));
    Commands.Result launch = Commands.run(QemuCommandLine.of(settings, shape, vm), vm.dir(), LAUNCH_TIMEOUT);
    if (!launch.ok()) {
      throw ProviderException.permanent(ErrorTypes.CLONE_FAILED,
          "QEMU did not start " + vm.name() + ": " + launch.output());
    }
    Map<String, Integer> ports = readPorts(vm);
    vm.meta().ifPresent(meta -> vm.writeMeta(meta.withPorts(ports)));
    log.info("clone {}: QEMU pid {} started from {}, ports {}", vm.name(), vm.pid().orElse(-1), template, ports);
  }

  /** The host ports QEMU bound for the forwards, by their configured name, as QEMU itself reports them. */
  private Map<String, Integer> readPorts(VmDir vm) {
    String usernet;
    try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
      usernet = qmp.human("info usernet", QMP_TIMEOUT);
    } catch (IOException e) {
      throw ProviderException.transientFailure("cannot read the forwarded ports of " + vm.name() + ": " + e.getMessage());
    }
    Map<Integer, Integer> hostByGuest = new LinkedHashMap<>();
    Matcher m = HOST_FORWARD.matcher(usernet);
    while (m.find()) {
      hostByGuest.put(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(1)));
    }
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Map.Entry<String, Integer> wanted : settings.ports().entrySet()) {
      Integer host = hostByGuest.get(wanted.getValue());
      if (host == null) {
        throw ProviderException.transientFailure(
            "QEMU reports no forward to guest port " + wanted.getValue() + " of " + vm.name() + ": " + usernet);
      }
      ports.put(wanted.getKey(), host);
    }
    return ports;
  }

  @Override
  public Readiness checkReady(String vmName) {
    VmDir vm = vm(vmName);
    if (!vm.exists()) {
      return Readiness.failed("provider " + name + " has no VM " + vmName);
    }
    if (!vm.running()) {
      return Readiness.failed("QEMU of " + vmName + " is not running; console: " + SerialLog.tail(vm.serialLog(), 5));
    }
    Optional<ReadyMarker> marker = SerialLog.ready(vm.serialLog());
    if (marker.isEmpty()) {
      return Readiness.booting();
    }
    if (!marker.get().instanceId().equals(vmName)) {
      // A template that hard-codes an instance id would hand out clones that all claim to be the same VM.
      return Readiness.failed("the guest says it is '" + marker.get().instanceId() + "', not " + vmName);
    }
    Map<String, Integer> ports = ports(vm);
    try {
      new GuestAgent(ports.get(QemuSettings.AGENT_PORT), PROBE_TIMEOUT).version();
    } catch (IOException | RuntimeException e) {
      return Readiness.booting();
    }
    return Readiness.ready(vmName, LOOPBACK, ports);
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    VmDir vm = vm(vmName);
    return vm.exists() ? Optional.of(describe(vm)) : Optional.empty();
  }

  @Override
  public List<ProviderVm> inventory() {
    List<ProviderVm> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(vmsDir, Files::isDirectory)) {
      for (Path dir : dirs) {
        String vmName = dir.getFileName().toString();
        if (VM_NAME.matcher(vmName).matches()) {
          out.add(describe(new VmDir(vmsDir, vmName)));
        }
      }
    } catch (IOException e) {
      throw ProviderException.transientFailure("cannot list " + vmsDir + ": " + e.getMessage());
    }
    return out;
  }

  /**
   * Ends QEMU (QMP quit, then SIGKILL of the process that holds the pidfile lock) and removes the directory. A
   * clean ACPI shutdown would buy nothing: the disk is thrown away.
   */
  @Override
  public void destroy(String vmName) {
    VmDir vm = vm(vmName);
    synchronized (lockOf(vmName)) {
      if (!vm.exists()) {
        return;
      }
      stop(vm, Duration.ZERO);
      vm.delete();
      log.info("destroy {}: QEMU ended, directory removed", vmName);
    }
    vmLocks.remove(vmName);
  }

  @Override
  public void cleanForReuse(String vmName) {
    VmDir vm = requireRunning(vmName, ErrorTypes.CLEANUP_FAILED);
    try {
      agent(vm, AGENT_TIMEOUT).clean();
    } catch (IOException e) {
      throw ProviderException.permanent(ErrorTypes.CLEANUP_FAILED,
          "cleaning " + vmName + " for reuse failed: " + e.getMessage());
    }
  }

  // --- Template preparation ---

  @Override
  public List<ProviderTemplate> templates() {
    return templates.list();
  }

  /** Clones and boots the build VM, and returns once the guest is up (its READY marker and agent). */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    ProviderVm vm = cloneVm(vmName, template);
    long deadline = System.nanoTime() + DEPLOY_BOOT_TIMEOUT.toNanos();
    while (true) {
      Readiness r = checkReady(vmName);
      if (r.state() == Readiness.State.READY) {
        VmDir dir = vm(vmName);
        SerialLog.ready(dir.serialLog()).ifPresent(marker ->
            dir.meta().ifPresent(meta -> dir.writeMeta(meta.withGuestVersion(marker.version()))));
        return describe(dir);
      }
      if (r.state() == Readiness.State.FAILED) {
        throw ProviderException.permanent(ErrorTypes.BOOT_FAILED, "deploy of " + vmName + " failed: " + r.reason());
      }
      if (System.nanoTime() > deadline) {
        throw ProviderException.permanent(ErrorTypes.BOOT_TIMEOUT,
            vm.name() + " was not up within " + DEPLOY_BOOT_TIMEOUT + "; console: "
                + SerialLog.tail(vm(vmName).serialLog(), 5));
      }
      pause(POLL);
    }
  }

  /** The agent's answer, else the version of the READY marker: a guest without an agent still printed one. */
  @Override
  public Optional<String> guestVersion(String vmName) {
    VmDir vm = requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    try {
      String version = agent(vm, PROBE_TIMEOUT).version();
      if (!version.isBlank()) {
        return Optional.of(version);
      }
    } catch (IOException e) {
      log.info("verify {}: agent did not answer ({}), using the console marker", vmName, e.getMessage());
    }
    return SerialLog.ready(vm.serialLog()).map(ReadyMarker::version);
  }

  /**
   * Writes the group's key/values into the guest's configuration file; a {@code script} value runs in the guest
   * instead, and its failure fails the step for good (running it again would fail again).
   */
  @Override
  public void configure(String vmName, Map<String, String> configuration) {
    VmDir vm = requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    Map<String, String> values = new LinkedHashMap<>(configuration);
    String script = values.remove("script");
    GuestAgent agent = agent(vm, script == null ? AGENT_TIMEOUT : SCRIPT_TIMEOUT);
    try {
      if (!values.isEmpty() || script == null) {
        agent.configure(values.entrySet().stream()
            .map(e -> e.getKey() + "=" + oneLine(e.getValue()))
            .collect(Collectors.joining("\n", "", "\n")));
      }
      if (script != null) {
        agent.run(script);
      }
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(ErrorTypes.STEP_FAILED, "configure of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure("configure of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  /** The guest powers itself off after answering; a VM already off was sealed by an earlier try. */
  @Override
  public void seal(String vmName) {
    VmDir vm = vm(vmName);
    if (!vm.exists()) {
      throw notFound(vmName);
    }
    if (!vm.running()) {
      return;
    }
    try {
      agent(vm, AGENT_TIMEOUT).seal();
    } catch (GuestAgent.Refused e) {
      throw ProviderException.permanent(ErrorTypes.STEP_FAILED, "seal of " + vmName + " failed: " + e.getMessage());
    } catch (IOException e) {
      throw ProviderException.transientFailure("seal of " + vmName + ": guest agent unreachable: " + e.getMessage());
    }
  }

  @Override
  public void powerOff(String vmName, Duration graceful) {
    VmDir vm = vm(vmName);
    synchronized (lockOf(vmName)) {
      if (!vm.exists()) {
        throw notFound(vmName);
      }
      // A sealed guest is already on its way down: give it a moment before pressing the power button.
      waitStopped(vm, SELF_POWER_OFF_WAIT);
      stop(vm, graceful);
    }
  }

  /**
   * Flattens the powered-off VM's disk into a standalone template ({@code qemu-img convert}, so the new template
   * does not depend on the old one), writes its sidecar, then publishes the image with one rename and removes
   * the VM. A crash in between leaves a {@code .part} file that delete-on-error removes.
   */
  @Override
  public ProviderTemplate createTemplate(String vmName, String templateName) {
    if (!QemuTemplates.validName(templateName)) {
      throw ProviderException.permanent(ErrorTypes.STEP_FAILED, "'" + templateName + "' cannot be a template file name");
    }
    Optional<ProviderTemplate> made = templates.describe(templateName);
    if (made.isPresent()) {
      vm(vmName).delete();
      return made.get();
    }
    VmDir vm = vm(vmName);
    synchronized (lockOf(vmName)) {
      if (!vm.exists()) {
        throw notFound(vmName);
      }
      if (vm.running()) {
        throw ProviderException.permanent(ErrorTypes.STEP_FAILED, vmName + " still runs; power it off first");
      }
      Path part = templates.partialImage(templateName);
      Commands.Result convert = Commands.run(List.of(settings.qemuImg(), "convert", "-f", "qcow2", "-O", "qcow2",
          vm.disk().toString(), part.toString()), null, IMAGE_TIMEOUT);
      if (!convert.ok()) {
        throw ProviderException.transientFailure("converting " + vmName + " into " + templateName + ": " + convert.output());
      }
      Commands.Result check = Commands.run(List.of(settings.qemuImg(), "check", "-q", part.toString()), null, IMAGE_TIMEOUT);
      if (!check.ok()) {
        throw ProviderException.permanent(ErrorTypes.STEP_FAILED,
            "the image made from " + vmName + " does not check clean: " + check.output());
      }
      Meta meta = vm.meta().orElse(new Meta(null, clock.instant(), Map.of(), null));
      Sidecar source = meta.template() == null ? Sidecar.NONE : templates.sidecar(meta.template());
      templates.writeSidecar(templateName, new Sidecar(source.group(),
          meta.guestVersion() != null ? meta.guestVersion() : source.version(),
          LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString(), true, meta.template()));
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
      log.info("finish {}: template {} written to {}", vmName, templateName, templates.image(templateName));
    }
    return templates.describe(templateName).orElseThrow();
  }

  /** Refuses while a VM of this provider still runs from it: its image is that VM's backing file. */
  @Override
  public void deleteTemplate(String templateName) {
    if (!QemuTemplates.validName(templateName)) {
      return;
    }
    List<String> users = new ArrayList<>();
    for (ProviderVm vm : inventory()) {
      if (templateName.equals(vm.template()) && vm.powerState() != PowerState.BROKEN) {
        users.add(vm.name());
      }
    }
    if (!users.isEmpty()) {
      throw ProviderException.permanent(ErrorTypes.STEP_FAILED,
          "template " + templateName + " is the backing file of VMs " + users + "; destroy them first");
    }
    templates.delete(templateName);
  }

  // --- VM tasks: internal qcow2 snapshots (savevm/loadvm) and hot-added disks ---

  @Override
  public void snapshot(String vmName, String snapshotId) {
    String tag = taskId(snapshotId, "snapshot");
    VmDir vm = requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    synchronized (lockOf(vmName)) {
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
        if (hasSnapshot(qmp, tag)) {
          return;
        }
        String out = qmp.human("savevm " + tag, SNAPSHOT_TIMEOUT);
        if (!hasSnapshot(qmp, tag)) {
          throw ProviderException.transientFailure("snapshot " + tag + " of " + vmName + " failed: " + out.strip());
        }
      } catch (IOException e) {
        throw ProviderException.transientFailure("snapshot of " + vmName + ": " + e.getMessage());
      }
    }
  }

  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    String tag = taskId(snapshotId, "snapshot");
    VmDir vm = requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    synchronized (lockOf(vmName)) {
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
        if (!hasSnapshot(qmp, tag)) {
          throw ProviderException.permanent(ErrorTypes.SNAPSHOT_NOT_FOUND, vmName + " has no snapshot " + snapshotId);
        }
        String out = qmp.human("loadvm " + tag, SNAPSHOT_TIMEOUT);
        if (out.toLowerCase().contains("error")) {
          throw ProviderException.transientFailure("revert of " + vmName + " to " + tag + " failed: " + out.strip());
        }
      } catch (IOException e) {
        throw ProviderException.transientFailure("revert of " + vmName + ": " + e.getMessage());
      }
    }
  }

  private static boolean hasSnapshot(Qmp qmp, String tag) throws IOException {
    for (String line : qmp.human("info snapshots", QMP_TIMEOUT).split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length > 1 && cols[1].equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /** A sparse qcow2 file in the VM's directory, hot-plugged as a virtio disk. */
  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    String id = taskId(diskId, "disk");
    VmDir vm = requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    // QMP node names are at most 31 characters and start with a letter.
    String node = "d" + Integer.toHexString(id.hashCode() & 0x7fffffff) + Integer.toHexString(id.length());
    synchronized (lockOf(vmName)) {
      Path file = vm.extraDisk(id);
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
        if (qmp.human("info block", QMP_TIMEOUT).contains(file.toString())) {
          return;
        }
        if (!Files.exists(file)) {
          Commands.Result create = Commands.run(List.of(settings.qemuImg(), "create", "-q", "-f", "qcow2",
              file.toString(), sizeGb + "G"), null, IMAGE_TIMEOUT);
          if (!create.ok()) {
            throw ProviderException.transientFailure("creating disk " + id + " of " + vmName + ": " + create.output());
          }
        }
        qmp.execute("blockdev-add", Map.of("driver", "qcow2", "node-name", node,
            "file", Map.of("driver", "file", "filename", file.toString())), QMP_TIMEOUT);
        qmp.execute("device_add", Map.of("driver", "virtio-blk-pci", "drive", node, "id", node + "-dev"), QMP_TIMEOUT);
      } catch (IOException e) {
        throw ProviderException.transientFailure("adding disk " + id + " to " + vmName + ": " + e.getMessage());
      }
    }
  }

  // --- helpers ---

  private VmDir vm(String vmName) {
    if (vmName == null || !VM_NAME.matcher(vmName).matches()) {
      throw ProviderException.permanent(ErrorTypes.VM_NOT_FOUND, "'" + vmName + "' is not a VM name of this provider");
    }
    return new VmDir(vmsDir, vmName);
  }

  private Object lockOf(String vmName) {
    return vmLocks.computeIfAbsent(vmName, k -> new Object());
  }

  private VmDir requireRunning(String vmName, String errorType) {
    VmDir vm = vm(vmName);
    if (!vm.exists()) {
      throw ProviderException.permanent(errorType, "provider " + name + " has no VM " + vmName);
    }
    if (!vm.running()) {
      throw ProviderException.permanent(errorType, vmName + " is not running");
    }
    return vm;
  }

  private ProviderException notFound(String vmName) {
    return ProviderException.permanent(ErrorTypes.VM_NOT_FOUND, "provider " + name + " has no VM " + vmName);
  }

  private static String taskId(String id, String what) {
    if (id == null || !TASK_ID.matcher(id).matches()) {
      throw ProviderException.permanent(ErrorTypes.STEP_FAILED, "'" + id + "' is not a usable " + what + " id");
    }
    return id;
  }

  private GuestAgent agent(VmDir vm, Duration timeout) {
    return new GuestAgent(ports(vm).get(QemuSettings.AGENT_PORT), timeout);
  }

  /** The forwards from meta.json; re-read over QMP when a crash came between the launch and writing them. */
  private Map<String, Integer> ports(VmDir vm) {
    Optional<Meta> meta = vm.meta();
    if (meta.isPresent() && meta.get().ports() != null && meta.get().ports().containsKey(QemuSettings.AGENT_PORT)) {
      return meta.get().ports();
    }
    Map<String, Integer> ports = readPorts(vm);
    meta.ifPresent(m -> vm.writeMeta(m.withPorts(ports)));
    return ports;
  }

  private ProviderVm describe(VmDir vm) {
    Meta meta = vm.meta().orElse(null);
    PowerState state;
    if (vm.running()) {
      state = SerialLog.ready(vm.serialLog()).isPresent() ? PowerState.RUNNING : PowerState.BOOTING;
    } else if (Files.exists(vm.pidFile()) || meta == null || !Files.exists(vm.disk())) {
      // QEMU removes its pidfile when it exits cleanly: one left behind means it crashed or was killed.
      state = PowerState.BROKEN;
    } else {
      state = PowerState.POWERED_OFF;
    }
    return new ProviderVm(vm.name(), meta == null ? null : meta.template(), state, vm.name(), LOOPBACK,
        meta == null ? null : meta.createdAt(), meta == null || meta.ports() == null ? Map.of() : meta.ports());
  }

  /**
   * Ends QEMU: ACPI power button and up to {@code graceful} for the guest to go down, then QMP quit, then SIGKILL
   * of the pidfile's process (only while QEMU still holds the pidfile lock, so never a reused PID).
   */
  private void stop(VmDir vm, Duration graceful) {
    if (!vm.running()) {
      return;
    }
    if (!graceful.isZero()) {
      qmpQuietly(vm, "system_powerdown");
      if (waitStopped(vm, graceful)) {
        return;
      }
      log.info("{} did not power off within {}; forcing it off", vm.name(), graceful);
    }
    qmpQuietly(vm, "quit");
    if (waitStopped(vm, KILL_WAIT)) {
      return;
    }
    OptionalLong pid = vm.pid();
    if (pid.isPresent() && vm.running()) {
      log.warn("{}: QEMU pid {} ignored quit; killing it", vm.name(), pid.getAsLong());
      ProcessHandle.of(pid.getAsLong()).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (!waitStopped(vm, KILL_WAIT)) {
      throw ProviderException.transientFailure("QEMU of " + vm.name() + " is still running after quit and SIGKILL");
    }
  }

  private void qmpQuietly(VmDir vm, String command) {
    try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
      qmp.execute(command, null, QMP_TIMEOUT);
    } catch (IOException e) {
      // quit closes the connection before answering at times; whether QEMU is gone is what waitStopped checks.
      log.debug("{}: QMP {} on {}: {}", name, command, vm.name(), e.getMessage());
    }
  }

  private static boolean waitStopped(VmDir vm, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (vm.running()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      pause(POLL);
    }
    return true;
  }

  private static String oneLine(String value) {
    return value == null ? "" : value.replace("\r", "").replace("\n", "\\n");
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted");
    }
  }
}
