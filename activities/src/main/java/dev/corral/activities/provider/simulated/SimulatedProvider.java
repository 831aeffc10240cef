package dev.corral.activities.provider.simulated;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.SecondsRange;
import dev.corral.config.SimulatedSettings;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated hypervisor: Corral's counterpart of vmpooler's dummy provider, but one that works.
 *
 * <p>VMs go CREATING → (clone_seconds) → BOOTING → (boot_seconds) → RUNNING, with configurable
 * chances of a half-made clone (left behind as BROKEN), a failed boot (BROKEN), a random power-off
 * of a running VM, and a transient destroy failure. The inventory is written to a JSON state file
 * on every change and read back on start, so the simulated hypervisor outlives a Corral restart.
 *
 * <p>Thread-safe. All state is guarded by one lock, which is never held while sleeping; the
 * random generator is only used under that lock.
 */
public final class SimulatedProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(SimulatedProvider.class);

  /** Number of usable addresses in 198.18.0.0/15 (without the first and the last). */
  private static final int IP_SPACE = (1 << 17) - 2;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** The kinds of call {@link #failNext} can force to fail. */
  public enum Operation {
    /** The next clone fails half-way: a BROKEN VM is left and CloneFailed is thrown. */
    CLONE,
    /** The next VM whose clone succeeds is fated to fail its boot. */
    BOOT,
    /** The next destroy of an existing VM fails transiently; the VM stays. */
    DESTROY
  }

  private final ProviderConfig config;
  private final SimulatedSettings settings;
  private final Path stateFile;
  private final Clock clock;
  private final RandomGenerator random;
  private final Sleeper sleeper;

  private final Object lock = new Object();
  // Everything below is guarded by lock.
  /** Insertion order is creation order; replacing a value keeps its place. */
  private final Map<String, SimVm> vms = new LinkedHashMap<>();

  private final Map<Operation, ArrayDeque<String>> forced = new EnumMap<>(Operation.class);
  private long ipCounter;

  public SimulatedProvider(
      ProviderConfig config,
      SimulatedSettings settings,
      Path stateFile,
      Clock clock,
      RandomGenerator random,
      Sleeper sleeper) {
    this.config = Objects.requireNonNull(config, "config");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.stateFile = Objects.requireNonNull(stateFile, "stateFile");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    for (Operation op : Operation.values()) {
      forced.put(op, new ArrayDeque<>());
    }
    load();
  }

  /**
   * The production wiring: the state file is {@code settings.stateFile()} or else {@code
   * dataDir/providers/NAME.json}; the system clock, a fresh random generator and real sleeping.
   *
   * @throws IllegalArgumentException if the config's settings are not {@link SimulatedSettings}
   */
  public static SimulatedProvider create(ProviderConfig config, Path dataDir) {
    if (!(config.settings() instanceof SimulatedSettings settings)) {
      throw new IllegalArgumentException(
          "provider " + config.name() + " is not a simulated provider: " + config.settings());
    }
    Path file =
        settings.stateFile() != null
            ? settings.stateFile()
            : dataDir.resolve("providers").resolve(config.name() + ".json");
    return new SimulatedProvider(
        config, settings, file, Clock.systemUTC(), new SplittableRandom(), Sleeper.REAL);
  }

  @Override
  public String name() {
    return config.name();
  }

  /** Where the inventory is persisted. */
  public Path stateFile() {
    return stateFile;
  }

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    Objects.requireNonNull(vmName, "vmName");
    boolean cloneFails;
    String cloneFailReason;
    Duration cloneTime;
    SimVm created;
    synchronized (lock) {
      SimVm existing = vms.get(vmName);
      if (existing != null) {
        log.debug("clone {}: already exists ({}), returning it", vmName, existing.state);
        return existing.toProviderVm();
      }
      if (vms.size() >= config.maxVms()) {
        log.info("clone {}: refused, provider {} is full ({} VMs)", vmName, name(), vms.size());
        throw ProviderException.permanent(
            ErrorTypes.CAPACITY_EXCEEDED,
            "provider " + name() + " is at max_vms " + config.maxVms() + ", cannot clone " + vmName);
      }
      String forcedReason = forced.get(Operation.CLONE).poll();
      if (forcedReason != null) {
        cloneFails = true;
        cloneFailReason = forcedReason;
      } else {
        cloneFails = roll(failPercent().onClone());
        cloneFailReason = cloneFails ? "random failure (fail_percent.clone)" : null;
      }
      cloneTime = sample(settings.cloneSeconds());
      SimVm vm = new SimVm();
      vm.name = vmName;
      vm.template = template;
      vm.state = PowerState.CREATING;
      vm.createdAt = clock.instant();
      vm.ip = nextIp();
      vms.put(vmName, vm);
      created = vm;
      persist();
      log.debug("clone {}: started from template {} (takes {})", vmName, template, cloneTime);
    }

    try {
      pause(cloneTime);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (lock) {
        if (vms.get(vmName) == created && created.state == PowerState.CREATING) {
          created.state = PowerState.BROKEN;
          persist();
        }
      }
      log.info("clone {}: interrupted, left BROKEN", vmName);
      throw ProviderException.transientFailure("interrupted while cloning " + vmName);
    }

    synchronized (lock) {
      SimVm vm = created;
      if (vms.get(vmName) != vm || vm.state != PowerState.CREATING) {
        // Destroyed (or otherwise changed) while the clone was in progress.
        log.info("clone {}: VM vanished while cloning", vmName);
        throw ProviderException.transientFailure(
            "VM " + vmName + " was destroyed while it was being cloned");
      }
      if (cloneFails) {
        vm.state = PowerState.BROKEN;
        persist();
        log.info("clone {}: failed half-way ({}), left BROKEN", vmName, cloneFailReason);
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED,
            "simulated clone failure of " + vmName + ": " + cloneFailReason);
      }
      String bootReason = forced.get(Operation.BOOT).poll();
      if (bootReason == null && roll(failPercent().onBoot())) {
        bootReason = "random failure (fail_percent.boot)";
      }
      Duration bootTime = sample(settings.bootSeconds());
      vm.state = PowerState.BOOTING;
      vm.hostname = vmName;
      vm.bootDoneAt = clock.instant().plus(bootTime);
      vm.bootFailReason = bootReason;
      persist();
      log.info(
          "clone {}: done, booting until {} (ip {}){}",
          vmName,
          vm.bootDoneAt,
          vm.ip,
          bootReason == null ? "" : ", boot fated to fail");
      return vm.toProviderVm();
    }
  }

  @Override
  public Readiness checkReady(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      if (vm == null) {
        log.debug("check {}: no such VM", vmName);
        return Readiness.failed("no such VM");
      }
      Instant now = clock.instant();
      if (advance(vm, now)) {
        persist();
        if (vm.state == PowerState.RUNNING) {
          return Readiness.ready(vm.hostname, vm.ip);
        }
      }
      return switch (vm.state) {
        case CREATING, BOOTING -> {
          log.debug("check {}: still {}", vmName, vm.state);
          yield Readiness.booting();
        }
        case BROKEN -> Readiness.failed(
            vm.bootFailReason != null
                ? "simulated boot failure: " + vm.bootFailReason
                : "VM is broken (clone failed half-way)");
        case POWERED_OFF -> Readiness.failed("powered off");
        case RUNNING -> {
          if (roll(settings.powerOffPercent())) {
            vm.state = PowerState.POWERED_OFF;
            persist();
            log.info("check {}: found powered off (power_off_percent)", vmName);
            yield Readiness.failed("powered off");
          }
          log.debug("check {}: ready", vmName);
          yield Readiness.ready(vm.hostname, vm.ip);
        }
      };
    }
  }

  @Override
  public Optional<ProviderVm> get(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      if (vm == null) {
        return Optional.empty();
      }
      if (advance(vm, clock.instant())) {
        persist();
      }
      return Optional.of(vm.toProviderVm());
    }
  }

  @Override
  public List<ProviderVm> inventory() {
    synchronized (lock) {
      Instant now = clock.instant();
      boolean changed = false;
      List<ProviderVm> out = new ArrayList<>(vms.size());
      for (SimVm vm : vms.values()) {
        changed |= advance(vm, now);
        out.add(vm.toProviderVm());
      }
      if (changed) {
        persist();
      }
      return List.copyOf(out);
    }
  }

  @Override
  public void destroy(String vmName) {
    String failReason;
    Duration destroyTime;
    synchronized (lock) {
      if (!vms.containsKey(vmName)) {
        log.debug("destroy {}: no such VM, nothing to do", vmName);
        return;
      }
      failReason = forced.get(Operation.DESTROY).poll();
      if (failReason == null && roll(failPercent().onDestroy())) {
        failReason = "random failure (fail_percent.destroy)";
      }
      destroyTime = sample(settings.destroySeconds());
    }

    try {
      pause(destroyTime);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.info("destroy {}: interrupted, VM kept", vmName);
      throw ProviderException.transientFailure("interrupted while destroying " + vmName);
    }

    if (failReason != null) {
      log.info("destroy {}: failed ({}), VM kept", vmName, failReason);
      throw ProviderException.transientFailure(
          "simulated destroy failure of " + vmName + ": " + failReason);
    }
    synchronized (lock) {
      if (vms.remove(vmName) != null) {
        persist();
        log.info("destroy {}: destroyed", vmName);
      }
    }
  }

  /**
   * Test hook: the next call of kind {@code op} fails with {@code reason}, whatever the configured
   * percentages. Calls queue up: two {@code failNext(CLONE, …)} fail the next two clones.
   */
  public void failNext(Operation op, String reason) {
    synchronized (lock) {
      forced.get(Objects.requireNonNull(op, "op")).add(reason == null ? "forced" : reason);
    }
    log.info("provider {}: next {} will fail ({})", name(), op, reason);
  }

  /**
   * Test hook: powers a running (or booting) VM off now, as if someone pulled the plug.
   *
   * @return whether the VM was powered off by this call (false if unknown or not powered on)
   */
  public boolean powerOff(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      if (vm == null) {
        return false;
      }
      advance(vm, clock.instant());
      if (vm.state != PowerState.RUNNING && vm.state != PowerState.BOOTING) {
        return false;
      }
      vm.state = PowerState.POWERED_OFF;
      persist();
      log.info("power-off {}: powered off on demand", vmName);
      return true;
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Applies time-based changes (a finished boot); returns whether the VM changed. Under lock. */
  private boolean advance(SimVm vm, Instant now) {
    if (vm.state != PowerState.BOOTING || now.isBefore(vm.bootDoneAt)) {
      return false;
    }
    if (vm.bootFailReason != null) {
      vm.state = PowerState.BROKEN;
      log.info("boot {}: failed ({}), now BROKEN", vm.name, vm.bootFailReason);
    } else {
      vm.state = PowerState.RUNNING;
      log.info("boot {}: done, RUNNING at {}", vm.name, vm.ip);
    }
    return true;
  }

  private SimulatedSettings.FailPercent failPercent() {
    SimulatedSettings.FailPercent fp = settings.failPercent();
    return fp != null ? fp : SimulatedSettings.FailPercent.NONE;
  }

  /** True with probability {@code percent}/100. Under lock. */
  private boolean roll(double percent) {
    if (percent <= 0) {
      return false;
    }
    if (percent >= 100) {
      return true;
    }
    return random.nextDouble() * 100.0 < percent;
  }

  /** Under lock. */
  private Duration sample(SecondsRange range) {
    if (range == null) {
      return Duration.ZERO;
    }
    return range.sample(random.nextDouble());
  }

  private void pause(Duration d) throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException();
    }
    if (d.isZero() || d.isNegative()) {
      return;
    }
    sleeper.sleep(d);
  }

  /** A fake address in the 198.18.0.0/15 benchmark range; never contacted. Under lock. */
  private String nextIp() {
    long n = ipCounter++ % IP_SPACE + 1; // 1 .. 2^17 - 2
    return "198." + (18 + (n >> 16)) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
  }

  // --- persistence ------------------------------------------------------------------------------

  /** The JSON shape of the state file. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record StateFile(int version, String provider, long ipCounter, List<VmRecord> vms) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record VmRecord(
      String name,
      String template,
      PowerState state,
      String hostname,
      String ip,
      Instant createdAt,
      Instant bootDoneAt,
      String bootFailReason) {}

  private void load() {
    if (!Files.exists(stateFile)) {
      log.debug("provider {}: no state file {}, starting empty", name(), stateFile);
      return;
    }
    StateFile state;
    try {
      state = JSON.readValue(stateFile.toFile(), StateFile.class);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read simulated provider state " + stateFile + ": " + e.getMessage(), e);
    }
    synchronized (lock) {
      ipCounter = state.ipCounter();
      boolean repaired = false;
      if (state.vms() != null) {
        for (VmRecord r : state.vms()) {
          SimVm vm = SimVm.from(r);
          if (vm.state == PowerState.CREATING) {
            // The process died mid-clone: the hypervisor is left with a half-made VM.
            vm.state = PowerState.BROKEN;
            repaired = true;
            log.info("load {}: was CREATING when the process stopped, now BROKEN", vm.name);
          }
          vms.put(vm.name, vm);
        }
      }
      if (repaired) {
        persist();
      }
      log.info("provider {}: loaded {} VMs from {}", name(), vms.size(), stateFile);
    }
  }

  /** Writes the whole inventory atomically. Under lock, so writes happen in mutation order. */
  private void persist() {
    List<VmRecord> records = new ArrayList<>(vms.size());
    for (SimVm vm : vms.values()) {
      records.add(vm.toRecord());
    }
    StateFile state = new StateFile(1, name(), ipCounter, records);
    Path dir = stateFile.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, stateFile.getFileName().toString() + ".", ".tmp");
      Files.write(tmp, JSON.writeValueAsBytes(state));
      try {
        Files.move(
            tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      log.error("provider {}: cannot write state file {}", name(), stateFile, e);
      ProviderException pe =
          ProviderException.transientFailure(
              "cannot persist simulated provider state to " + stateFile + ": " + e.getMessage());
      pe.initCause(e);
      throw pe;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  /** Mutable VM state; only touched under lock. */
  private static final class SimVm {
    String name;
    String template;
    PowerState state;
    String hostname;
    String ip;
    Instant createdAt;
    Instant bootDoneAt;
    /** Non-null when the boot is fated to fail (or has failed). */
    String bootFailReason;

    ProviderVm toProviderVm() {
      boolean hasAddress = state != PowerState.CREATING && hostname != null;
      return new ProviderVm(
          name, template, state, hasAddress ? hostname : null, hasAddress ? ip : null, createdAt);
    }

    VmRecord toRecord() {
      return new VmRecord(
          name, template, state, hostname, ip, createdAt, bootDoneAt, bootFailReason);
    }

    static SimVm from(VmRecord r) {
      SimVm vm = new SimVm();
      vm.name = r.name();
      vm.template = r.template();
      vm.state = r.state();
      vm.hostname = r.hostname();
      vm.ip = r.ip();
      vm.createdAt = r.createdAt();
      vm.bootDoneAt = r.bootDoneAt();
      vm.bootFailReason = r.bootFailReason();
      if (vm.state == PowerState.BOOTING && vm.bootDoneAt == null) {
        vm.bootDoneAt = Instant.EPOCH;
      }
      return vm;
    }
  }

  // Preparation steps: implemented by the simulated-provider work for issue 3 (not yet).
  @Override
  public java.util.List<dev.corral.activities.provider.ProviderTemplate> templates() {
    throw new UnsupportedOperationException("templates");
  }

  @Override
  public ProviderVm deploy(String vmName, String template) {
    throw new UnsupportedOperationException("deploy");
  }

  @Override
  public Optional<String> guestVersion(String vmName) {
    throw new UnsupportedOperationException("guestVersion");
  }

  @Override
  public void configure(String vmName, java.util.Map<String, String> settings) {
    throw new UnsupportedOperationException("configure");
  }

  @Override
  public void seal(String vmName) {
    throw new UnsupportedOperationException("seal");
  }

  @Override
  public void powerOff(String vmName, Duration graceful) {
    throw new UnsupportedOperationException("powerOff");
  }

  @Override
  public dev.corral.activities.provider.ProviderTemplate createTemplate(String vmName, String templateName) {
    throw new UnsupportedOperationException("createTemplate");
  }

  @Override
  public void deleteTemplate(String templateName) {
    throw new UnsupportedOperationException("deleteTemplate");
  }
}
