package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.Polling;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.provider.guest.SerialLog;
import dev.corral.activities.provider.qemu.VmDir.Meta;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMs of one QEMU provider, each a {@link VmDir} under {@code vms_dir}: finding one by name,
 * the per-VM lock that serialises calls on it (Temporal may run an activity again while, after a
 * lost worker, its first run is still going), how it looks from outside, how to reach its agent,
 * and how to end its QEMU. Shared by the pool calls ({@link QemuProvider}), the preparation steps
 * ({@link TemplateChain}) and the {@link VmTasks}.
 */
final class Machines {
  private static final Logger log = LoggerFactory.getLogger(Machines.class);

  /** What a lease reply gives as the VM's address: its forwards listen on loopback only. */
  static final String LOOPBACK = "127.0.0.1";

  /** VM names become directory names and fw_cfg strings. */
  private static final Pattern VM_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private static final Pattern HOST_FORWARD =
      Pattern.compile("HOST_FORWARD\\]\\s+\\d+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)");

  static final Duration IMAGE_TIMEOUT = Duration.ofMinutes(10);
  static final Duration QMP_TIMEOUT = Duration.ofSeconds(10);

  /** One readiness probe of the agent: the agent answers in milliseconds once the marker is out. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  /** How long a QMP quit (then SIGKILL) may take to end QEMU. */
  static final Duration KILL_WAIT = Duration.ofSeconds(10);

  static final Duration POLL = Duration.ofMillis(100);

  private final String name;
  private final QemuSettings settings;
  private final Path vmsDir;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  Machines(String name, QemuSettings settings, Path vmsDir) {
    this.name = name;
    this.settings = settings;
    this.vmsDir = vmsDir;
  }

  Path vmsDir() {
    return vmsDir;
  }

  VmDir vm(String vmName) {
    if (vmName == null || !VM_NAME.matcher(vmName).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.VM_NOT_FOUND, "'" + vmName + "' is not a VM name of this provider");
    }
    return new VmDir(vmsDir, vmName);
  }

  Object lockOf(String vmName) {
    return vmLocks.computeIfAbsent(vmName, k -> new Object());
  }

  /** Drops the lock of a destroyed VM, so that the map does not grow with every VM ever made. */
  void forget(String vmName) {
    vmLocks.remove(vmName);
  }

  VmDir requireRunning(String vmName, String errorType) {
    VmDir vm = vm(vmName);
    if (!vm.exists()) {
      throw ProviderException.permanent(errorType, "provider " + name + " has no VM " + vmName);
    }
    if (!vm.running()) {
      throw ProviderException.permanent(errorType, vmName + " is not running");
    }
    return vm;
  }

  ProviderException notFound(String vmName) {
    return ProviderException.permanent(
        ErrorTypes.VM_NOT_FOUND, "provider " + name + " has no VM " + vmName);
  }

  List<ProviderVm> inventory() {
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

  ProviderVm describe(VmDir vm) {
    Meta meta = vm.meta().orElse(null);
    PowerState state;
    if (vm.running()) {
      state = SerialLog.ready(vm.serialLog()).isPresent() ? PowerState.RUNNING : PowerState.BOOTING;
    } else if (Files.exists(vm.pidFile()) || meta == null || !Files.exists(vm.disk())) {
      // QEMU removes its pidfile when it exits cleanly: one left behind means it crashed or was
      // killed.
      state = PowerState.BROKEN;
    } else {
      state = PowerState.POWERED_OFF;
    }
    return new ProviderVm(
        vm.name(),
        meta == null ? null : meta.template(),
        state,
        vm.name(),
        LOOPBACK,
        meta == null ? null : meta.createdAt(),
        meta == null || meta.ports() == null ? Map.of() : meta.ports());
  }

  GuestAgent agent(VmDir vm, Duration timeout) {
    return new GuestAgent(LOOPBACK, ports(vm).get(QemuSettings.AGENT_PORT), timeout);
  }

  /**
   * The forwards from meta.json; re-read over QMP when a crash came between the launch and writing
   * them.
   */
  Map<String, Integer> ports(VmDir vm) {
    Optional<Meta> meta = vm.meta();
    if (meta.isPresent()
        && meta.get().ports() != null
        && meta.get().ports().containsKey(QemuSettings.AGENT_PORT)) {
      return meta.get().ports();
    }
    Map<String, Integer> ports = readPorts(vm);
    meta.ifPresent(m -> vm.writeMeta(m.withPorts(ports)));
    return ports;
  }

  /**
   * The host ports QEMU bound for the forwards, by their configured name, as QEMU itself reports
   * them.
   */
  Map<String, Integer> readPorts(VmDir vm) {
    String usernet;
    try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
      usernet = qmp.human("info usernet", QMP_TIMEOUT);
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "cannot read the forwarded ports of " + vm.name() + ": " + e.getMessage());
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
            "QEMU reports no forward to guest port "
                + wanted.getValue()
                + " of "
                + vm.name()
                + ": "
                + usernet);
      }
      ports.put(wanted.getKey(), host);
    }
    return ports;
  }

  /**
   * Ends QEMU: ACPI power button and up to {@code graceful} for the guest to go down, then QMP
   * quit, then SIGKILL of the pidfile's process (only while QEMU still holds the pidfile lock, so
   * never a reused PID).
   */
  void stop(VmDir vm, Duration graceful) {
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
      throw ProviderException.transientFailure(
          "QEMU of " + vm.name() + " is still running after quit and SIGKILL");
    }
  }

  private void qmpQuietly(VmDir vm, String command) {
    try (Qmp qmp = Qmp.connect(vm.qmpSocket(), QMP_TIMEOUT)) {
      qmp.execute(command, null, QMP_TIMEOUT);
    } catch (IOException e) {
      // quit closes the connection before answering at times; whether QEMU is gone is what
      // waitStopped checks.
      log.debug("{}: QMP {} on {}: {}", name, command, vm.name(), e.getMessage());
    }
  }

  static boolean waitStopped(VmDir vm, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (vm.running()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Polling.pause(POLL);
    }
    return true;
  }
}
