package dev.corral.activities.provider.simulated;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.config.ProviderConfig;
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
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated hypervisor: Corral's counterpart of vmpooler's dummy provider, but one that works.
 *
 * <p>VMs go CREATING → (clone_seconds) → BOOTING → (boot_seconds) → RUNNING, with configurable
 * chances of a half-made clone (left behind as BROKEN), a failed boot (BROKEN), a random power-off
 * of a running VM, a transient destroy failure, and a failed cleanup of a released VM ({@link
 * #cleanForReuse}). The inventory is written to a JSON state file
 * on every change and read back on start, so the simulated hypervisor outlives a Corral restart.
 *
 * <h2>Template preparation</h2>
 *
 * <p>The provider also holds a template catalogue, persisted in the same state file: the raw
 * templates of {@code templates} in the settings are there from the start, {@link #createTemplate}
 * adds prepared ones, {@link #deleteTemplate} removes them. Templates count against nothing. The
 * preparation steps ({@link #deploy}, {@link #guestVersion} as "verify", {@link #configure}, {@link
 * #seal}, {@link #powerOff(String, Duration)}, {@link #createTemplate} as "finish") each take
 * {@code step_seconds} and fail with chance {@code fail_steps[step]}; such failures are transient,
 * and {@link #failNext}/{@link #failNextPermanently} force the next call of one step to fail
 * (transiently, or permanently with StepFailed). A call with nothing to do (deploying a VM that
 * exists, powering off a VM that is off, finishing a template that exists) returns at once: it
 * neither sleeps nor fails.
 *
 * <p>Leniency, like vmpooler's dummy: cloning or deploying from a template the catalogue does not
 * know works (its guests report no version), so pools may name any template. Only a blank name, a
 * template that was <em>deleted</em> from the catalogue (deploy fails with a permanent
 * TemplateNotFound) and a half-made template (a permanent StepFailed) are refused by deploy; {@link
 * #cloneVm} refuses no template name at all. Re-creating or re-adding a deleted template un-deletes
 * it. A configured raw template that was deleted stays deleted across restarts; a configured raw
 * template that was not replaces the stored entry of that name on start, so editing the settings
 * changes what the listing shows.
 *
 * <p>Failures leave what a real hypervisor would: a failed deploy leaves a BROKEN VM (which {@link
 * #destroy} removes and which a repeated deploy of the same name replaces), a failed finish leaves
 * a half-made template (listed by {@link #templates} and {@link #halfMadeTemplates}, removed by
 * {@link #deleteTemplate} and replaced by a repeated finish) next to the still powered-off VM.
 *
 * <h2>VM tasks</h2>
 *
 * <p>{@link #snapshot}, {@link #revertSnapshot} and {@link #addDisk} take {@code snapshot_seconds},
 * {@code revert_seconds} and {@code disk_seconds} and fail (transiently, leaving the VM unchanged) with
 * chance {@code fail_percent.snapshot}, {@code .revert} and {@code .disk}. The VM's snapshots, disks and
 * last revert are persisted with it ({@link #vmTaskState}); a revert only records that it happened. A
 * snapshot or disk that exists already makes the call return at once, neither sleeping nor failing. A
 * VM that does not exist, or is destroyed while the call runs, is a permanent VmNotFound.
 *
 * <p>Thread-safe. All state is guarded by one lock, which is never held while sleeping; the
 * random generator is only used under that lock. Test hooks (forced failures, guest versions) are
 * not persisted.
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
    CLONE(null),
    /** The next VM whose clone succeeds is fated to fail its boot. */
    BOOT(null),
    /** The next destroy of an existing VM fails transiently; the VM stays. */
    DESTROY(null),
    /** The next cleanup of a released VM fails for good (CleanupFailed): Corral destroys it instead. */
    CLEAN(null),
    /** The next deploy fails half-way: a BROKEN VM is left (destroy removes it, a new deploy replaces it). */
    DEPLOY("deploy"),
    /** The next {@link #guestVersion} fails: the guest is unreachable. */
    VERIFY("verify"),
    /** The next configure fails; the VM keeps its earlier configuration. */
    CONFIGURE("configure"),
    /** The next seal fails; the VM stays unsealed. */
    SEAL("seal"),
    /** The next power-off of a powered-on VM fails; the VM stays on. */
    POWEROFF("poweroff"),
    /** The next createTemplate fails half-way: a half-made template is left and the VM stays. */
    FINISH("finish"),
    /** The next deleteTemplate of an existing template fails transiently; the template stays. */
    DELETE_TEMPLATE(null),
    /** The next snapshot that has work to do fails transiently; the VM stays as it was. */
    SNAPSHOT(null),
    /** The next revert fails transiently; the VM stays as it was. */
    REVERT(null),
    /** The next addDisk that has work to do fails transiently; no disk is added. */
    ADD_DISK(null);

    private final String step;

    Operation(String step) {
      this.step = step;
    }

    /** The preparation step's name in {@link SimulatedSettings#STEPS}, or null for other calls. */
    public String step() {
      return step;
    }
  }

  /** One forced failure queued by a test hook. */
  private record Forced(String reason, boolean permanent) {}

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

  /** The template catalogue by name; insertion order is listing order. */
  private final Map<String, TemplateRecord> templates = new LinkedHashMap<>();
  /** Templates removed by deleteTemplate (and not re-created): deploying from them fails. */
  private final Set<String> deletedTemplates = new LinkedHashSet<>();
  /** Test hook: versions guests of a template report instead of the template's; empty: none. */
  private final Map<String, Optional<String>> guestVersionOverrides = new HashMap<>();

  private final Map<Operation, ArrayDeque<Forced>> forced = new EnumMap<>(Operation.class);
  /** Test hook: how often each VM was cleaned for reuse; not persisted. */
  private final Map<String, Integer> cleanings = new HashMap<>();
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
      cloneFailReason = failureReason(Operation.CLONE, failPercent().onClone(), "fail_percent.clone");
      cloneTime = sample(settings.cloneSeconds());
      SimVm vm = new SimVm();
      vm.name = vmName;
      vm.template = template;
      vm.state = PowerState.CREATING;
      vm.createdAt = clock.instant();
      vm.ip = nextIp();
      vm.guestVersion = catalogueVersion(template);
      vms.put(vmName, vm);
      created = vm;
      persist();
      log.debug("clone {}: started from template {} (takes {})", vmName, template, cloneTime);
    }

    pauseWhileCreating(created, cloneTime, "clone", "cloning");

    synchronized (lock) {
      SimVm vm = created;
      ensureStillCreating(vm, "clone", "cloning");
      if (cloneFailReason != null) {
        vm.state = PowerState.BROKEN;
        persist();
        log.info("clone {}: failed half-way ({}), left BROKEN", vmName, cloneFailReason);
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED,
            "simulated clone failure of " + vmName + ": " + cloneFailReason);
      }
      String bootReason = failureReason(Operation.BOOT, failPercent().onBoot(), "fail_percent.boot");
      Duration bootTime = sample(settings.bootSeconds());
      vm.state = PowerState.BOOTING;
      vm.hostname = vmName;
      vm.bootDoneAt = clock.instant().plus(bootTime);
      vm.bootFailReason = bootReason;
      persist();
      // Corral logs the clone as an event ("VM cloned"); this is the simulation's own detail.
      log.debug(
          "clone {}: done, booting until {} (ip {}){}",
          vmName,
          vm.bootDoneAt,
          vm.ip,
          bootReason == null ? "" : ", boot fated to fail");
      return vm.toProviderVm();
    }
  }

  /**
   * Waits out a VM's creation (clone or deploy). An interrupted creation leaves the half-made VM
   * BROKEN, as a hypervisor would, for destroy to remove.
   */
  private void pauseWhileCreating(SimVm created, Duration time, String operation, String doing) {
    try {
      pause(time);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (lock) {
        if (vms.get(created.name) == created && created.state == PowerState.CREATING) {
          created.state = PowerState.BROKEN;
          persist();
        }
      }
      log.info("{} {}: interrupted, left BROKEN", operation, created.name);
      throw ProviderException.transientFailure("interrupted while " + doing + " " + created.name);
    }
  }

  /** Under the lock: the VM being created was not destroyed (or otherwise changed) meanwhile. */
  private void ensureStillCreating(SimVm vm, String operation, String doing) {
    if (vms.get(vm.name) != vm || vm.state != PowerState.CREATING) {
      log.info("{} {}: VM vanished while {}", operation, vm.name, doing);
      throw ProviderException.transientFailure("VM " + vm.name + " was destroyed while " + doing + " it");
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
      failReason = failureReason(Operation.DESTROY, failPercent().onDestroy(), "fail_percent.destroy");
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
        log.debug("destroy {}: destroyed", vmName);
      }
    }
  }

  /**
   * Readies a released VM for its owner's next lease: takes {@code clean_seconds} and fails with
   * chance {@code fail_percent.clean}. Only a running VM can be cleaned; a missing, broken or
   * powered-off one, or a failed cleanup, is a permanent CleanupFailed (the VM is destroyed instead).
   */
  @Override
  public void cleanForReuse(String vmName) {
    String failReason;
    Duration cleanTime;
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      if (vm == null) {
        throw ProviderException.permanent(ErrorTypes.CLEANUP_FAILED, "no VM " + vmName + " to clean");
      }
      if (advance(vm, clock.instant())) {
        persist();
      }
      if (vm.state != PowerState.RUNNING) {
        throw ProviderException.permanent(
            ErrorTypes.CLEANUP_FAILED, "VM " + vmName + " is " + vm.state + ", only a running VM can be cleaned");
      }
      failReason = failureReason(Operation.CLEAN, failPercent().onClean(), "fail_percent.clean");
      cleanTime = sample(settings.cleanSeconds());
    }

    try {
      pause(cleanTime);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted while cleaning " + vmName);
    }

    synchronized (lock) {
      if (!vms.containsKey(vmName)) {
        throw ProviderException.permanent(ErrorTypes.CLEANUP_FAILED, "VM " + vmName + " vanished while being cleaned");
      }
      if (failReason != null) {
        log.info("clean {}: failed ({})", vmName, failReason);
        throw ProviderException.permanent(
            ErrorTypes.CLEANUP_FAILED, "simulated cleanup failure of " + vmName + ": " + failReason);
      }
      cleanings.merge(vmName, 1, Integer::sum);
      log.debug("clean {}: user data removed, ready for its owner's next lease", vmName);
    }
  }

  /** Test hook: how many cleanups of the VM succeeded since this provider object was made. */
  public int timesCleaned(String vmName) {
    synchronized (lock) {
      return cleanings.getOrDefault(vmName, 0);
    }
  }

  /**
   * Test hook: the next call of kind {@code op} fails with {@code reason}, whatever the configured
   * percentages. Calls queue up: two {@code failNext(CLONE, …)} fail the next two clones. A
   * preparation step forced this way fails transiently (worth retrying); queue as many as the
   * caller's retries to make a step "fail after retries".
   */
  public void failNext(Operation op, String reason) {
    force(op, reason, false);
  }

  /** Test hook: {@link #failNext(Operation, String)} with reason "forced". */
  public void failNext(Operation op) {
    force(op, null, false);
  }

  /**
   * Test hook: the next call of preparation step {@code op} fails permanently, with StepFailed,
   * so a caller gives up at once. Queues up with {@link #failNext} in call order.
   *
   * @throws IllegalArgumentException if {@code op} is not a preparation step ({@link
   *     Operation#step()} is null): clone, boot, destroy and clean failures have fixed kinds
   */
  public void failNextPermanently(Operation op, String reason) {
    if (Objects.requireNonNull(op, "op").step() == null) {
      throw new IllegalArgumentException(op + " is not a preparation step; its failures have a fixed kind");
    }
    force(op, reason, true);
  }

  private void force(Operation op, String reason, boolean permanent) {
    String r = reason == null ? "forced" : reason;
    synchronized (lock) {
      forced.get(Objects.requireNonNull(op, "op")).add(new Forced(r, permanent));
    }
    log.info("provider {}: next {} will fail {}({})", name(), op, permanent ? "permanently " : "", r);
  }

  private static String reasonOf(Forced f) {
    return f == null ? null : f.reason();
  }

  /**
   * Why this call of {@code op} fails, or null: a failure forced by a test comes first, else a roll of
   * {@code percent}. Callers hold the lock, so forced failures are taken one per call, in order.
   */
  private String failureReason(Operation op, double percent, String key) {
    String reason = reasonOf(forced.get(op).poll());
    if (reason == null && roll(percent)) {
      reason = "random failure (" + key + ")";
    }
    return reason;
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

  /**
   * Test and bench hook: puts running VMs into the inventory at once, as if each had been cloned from {@code
   * template} and had booted, with the same host name and a fresh address each, and writes the state file once.
   * Cloning N VMs one by one writes the whole file N times (O(N²): hours for 10,000), which is why a benchmark
   * seeds a large inventory this way. Not bounded by {@code max_vms}, like VMs a hypervisor already runs.
   *
   * @throws IllegalArgumentException if a name is blank or already in the inventory; nothing is added then
   */
  public void addRunning(List<String> vmNames, String template) {
    synchronized (lock) {
      Set<String> seen = new HashSet<>();
      for (String name : vmNames) {
        if (name == null || name.isBlank() || vms.containsKey(name) || !seen.add(name)) {
          throw new IllegalArgumentException("cannot add VM '" + name + "': blank, already there or named twice");
        }
      }
      Instant now = clock.instant();
      for (String name : vmNames) {
        SimVm vm = new SimVm();
        vm.name = name;
        vm.template = template;
        vm.state = PowerState.RUNNING;
        vm.hostname = name;
        vm.ip = nextIp();
        vm.createdAt = now;
        vm.bootDoneAt = now;
        vm.guestVersion = catalogueVersion(template);
        vms.put(name, vm);
      }
      persist();
    }
    log.info("provider {}: {} running VMs added at once", name(), vmNames.size());
  }

  /**
   * Test hook: the guest now answers under another host name, as a clone that kept its template's identity does.
   *
   * @return whether the VM exists
   */
  public boolean renameGuest(String vmName, String hostname) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      if (vm == null) {
        return false;
      }
      vm.hostname = hostname;
      persist();
      return true;
    }
  }

  // --- template catalogue and preparation steps ----------------------------------------------

  @Override
  public List<ProviderTemplate> templates() {
    synchronized (lock) {
      List<ProviderTemplate> out = new ArrayList<>(templates.size());
      for (TemplateRecord t : templates.values()) {
        out.add(t.toProviderTemplate());
      }
      return List.copyOf(out);
    }
  }

  /**
   * Deploys {@code vmName} from {@code template}; it is RUNNING when this returns (no separate boot
   * wait). An existing VM is returned as it is, except a BROKEN one (a failed deploy's leftover),
   * which is replaced. Counts against {@code max_vms} like a clone.
   */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    Objects.requireNonNull(vmName, "vmName");
    Forced failure;
    Duration stepTime;
    SimVm created;
    synchronized (lock) {
      if (template == null || template.isBlank()) {
        throw ProviderException.permanent(
            ErrorTypes.TEMPLATE_NOT_FOUND, "cannot deploy " + vmName + ": no template named");
      }
      SimVm existing = vms.get(vmName);
      if (existing != null) {
        if (advance(existing, clock.instant())) {
          persist();
        }
        if (existing.state != PowerState.BROKEN) {
          log.debug("deploy {}: already exists ({}), returning it", vmName, existing.state);
          return existing.toProviderVm();
        }
      }
      if (deletedTemplates.contains(template)) {
        log.info("deploy {}: template {} was deleted", vmName, template);
        throw ProviderException.permanent(
            ErrorTypes.TEMPLATE_NOT_FOUND,
            "provider " + name() + " has no template " + template + " (deleted), cannot deploy " + vmName);
      }
      TemplateRecord source = templates.get(template);
      if (source != null && source.halfMade()) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED,
            "template " + template + " is half-made, cannot deploy " + vmName + " from it");
      }
      if (existing == null && vms.size() >= config.maxVms()) {
        log.info("deploy {}: refused, provider {} is full ({} VMs)", vmName, name(), vms.size());
        throw ProviderException.permanent(
            ErrorTypes.CAPACITY_EXCEEDED,
            "provider " + name() + " is at max_vms " + config.maxVms() + ", cannot deploy " + vmName);
      }
      failure = stepFailure(Operation.DEPLOY);
      stepTime = sample(settings.stepSeconds());
      SimVm vm = new SimVm();
      vm.name = vmName;
      vm.template = template;
      vm.state = PowerState.CREATING;
      vm.createdAt = clock.instant();
      vm.ip = nextIp();
      vm.guestVersion = source != null ? source.version() : null;
      vms.put(vmName, vm);
      created = vm;
      persist();
      log.debug(
          "deploy {}: started from template {} (takes {}){}",
          vmName,
          template,
          stepTime,
          existing != null ? ", replacing a broken leftover" : "");
    }

    pauseWhileCreating(created, stepTime, "deploy", "deploying");

    synchronized (lock) {
      SimVm vm = created;
      ensureStillCreating(vm, "deploy", "deploying");
      if (failure != null) {
        vm.state = PowerState.BROKEN;
        persist();
        log.info("deploy {}: failed half-way ({}), left BROKEN", vmName, failure.reason());
        throw stepException(Operation.DEPLOY, failure, vmName);
      }
      vm.state = PowerState.RUNNING;
      vm.hostname = vmName;
      vm.bootDoneAt = clock.instant();
      persist();
      log.debug("deploy {}: done, RUNNING at {}", vmName, vm.ip);
      return vm.toProviderVm();
    }
  }

  /**
   * The "verify" step: the version of the VM's source template in the catalogue as it was at
   * deploy or clone time (or what {@link #setGuestVersion} says for that template); empty when the
   * template was unknown or has no version. Its failures are "guest unreachable".
   */
  @Override
  public Optional<String> guestVersion(String vmName) {
    Forced failure;
    Duration stepTime;
    synchronized (lock) {
      requireRunning(vmName, Operation.VERIFY);
      failure = stepFailure(Operation.VERIFY);
      stepTime = sample(settings.stepSeconds());
    }
    pauseStep(stepTime, Operation.VERIFY, vmName);
    synchronized (lock) {
      if (failure != null) {
        log.info("verify {}: guest unreachable ({})", vmName, failure.reason());
        throw stepException(Operation.VERIFY, failure, vmName + " (guest unreachable)");
      }
      SimVm vm = requireRunning(vmName, Operation.VERIFY);
      Optional<String> override = guestVersionOverrides.get(vm.template);
      Optional<String> version = override != null ? override : Optional.ofNullable(vm.guestVersion);
      log.debug("verify {}: guest reports version {}", vmName, version.orElse("(none)"));
      return version;
    }
  }

  /** Records {@code settings} as the VM's configuration (replacing an earlier one); see {@link #configuration}. */
  @Override
  public void configure(String vmName, Map<String, String> settings) {
    Objects.requireNonNull(settings, "settings");
    Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    Forced failure;
    Duration stepTime;
    synchronized (lock) {
      requireRunning(vmName, Operation.CONFIGURE);
      failure = stepFailure(Operation.CONFIGURE);
      stepTime = sample(this.settings.stepSeconds());
    }
    pauseStep(stepTime, Operation.CONFIGURE, vmName);
    synchronized (lock) {
      if (failure != null) {
        log.info("configure {}: failed ({})", vmName, failure.reason());
        throw stepException(Operation.CONFIGURE, failure, vmName);
      }
      SimVm vm = requireRunning(vmName, Operation.CONFIGURE);
      vm.configuration = copy;
      persist();
      log.debug("configure {}: applied {} settings", vmName, copy.size());
    }
  }

  /** Marks the VM sealed; see {@link #isSealed}. */
  @Override
  public void seal(String vmName) {
    Forced failure;
    Duration stepTime;
    synchronized (lock) {
      requireRunning(vmName, Operation.SEAL);
      failure = stepFailure(Operation.SEAL);
      stepTime = sample(settings.stepSeconds());
    }
    pauseStep(stepTime, Operation.SEAL, vmName);
    synchronized (lock) {
      if (failure != null) {
        log.info("seal {}: failed ({})", vmName, failure.reason());
        throw stepException(Operation.SEAL, failure, vmName);
      }
      SimVm vm = requireRunning(vmName, Operation.SEAL);
      vm.sealed = true;
      persist();
      log.debug("seal {}: sealed", vmName);
    }
  }

  /**
   * The "poweroff" step: a booting or running VM becomes POWERED_OFF ({@code graceful} is only
   * logged). A VM that is off already stays off and the call returns at once. A missing or BROKEN
   * VM fails permanently.
   */
  @Override
  public void powerOff(String vmName, Duration graceful) {
    Forced failure;
    Duration stepTime;
    synchronized (lock) {
      SimVm vm = requireForPowerOff(vmName);
      if (vm.state == PowerState.POWERED_OFF) {
        log.debug("poweroff {}: already off", vmName);
        return;
      }
      failure = stepFailure(Operation.POWEROFF);
      stepTime = sample(settings.stepSeconds());
    }
    pauseStep(stepTime, Operation.POWEROFF, vmName);
    synchronized (lock) {
      if (failure != null) {
        log.info("poweroff {}: failed ({}), still on", vmName, failure.reason());
        throw stepException(Operation.POWEROFF, failure, vmName);
      }
      SimVm vm = requireForPowerOff(vmName);
      if (vm.state != PowerState.POWERED_OFF) {
        vm.state = PowerState.POWERED_OFF;
        persist();
        log.debug("poweroff {}: powered off (graceful {})", vmName, graceful);
      }
    }
  }

  /**
   * The "finish" step: the powered-off VM becomes prepared template {@code templateName} (group,
   * version and date copied from the VM's source template when the catalogue knows it) and is gone.
   * A template of that name that exists already is returned when the VM is gone (a repeated call)
   * and is a permanent failure while the VM still exists (a name clash); a half-made one is
   * replaced. A failure leaves a half-made template and the VM.
   */
  @Override
  public ProviderTemplate createTemplate(String vmName, String templateName) {
    Objects.requireNonNull(vmName, "vmName");
    if (templateName == null || templateName.isBlank()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "cannot make a template of " + vmName + ": no template name");
    }
    Forced failure;
    Duration stepTime;
    synchronized (lock) {
      TemplateRecord done = finishedTemplate(vmName, templateName);
      if (done != null) {
        log.debug("finish {}: template {} exists already, returning it", vmName, templateName);
        return done.toProviderTemplate();
      }
      requireForFinish(vmName, templateName);
      failure = stepFailure(Operation.FINISH);
      stepTime = sample(settings.stepSeconds());
    }
    pauseStep(stepTime, Operation.FINISH, vmName);
    synchronized (lock) {
      TemplateRecord done = finishedTemplate(vmName, templateName);
      if (done != null) {
        return done.toProviderTemplate();
      }
      SimVm vm = requireForFinish(vmName, templateName);
      TemplateRecord source = templates.get(vm.template);
      TemplateRecord made =
          new TemplateRecord(
              templateName,
              source != null ? source.group() : null,
              source != null ? source.version() : vm.guestVersion,
              source != null ? source.date() : null,
              true,
              failure != null);
      templates.put(templateName, made);
      deletedTemplates.remove(templateName);
      if (failure != null) {
        persist();
        log.info("finish {}: failed half-way ({}), left half-made template {}", vmName, failure.reason(), templateName);
        throw stepException(Operation.FINISH, failure, vmName + " into template " + templateName);
      }
      vms.remove(vmName);
      persist();
      log.debug("finish {}: now template {} (version {})", vmName, templateName, made.version());
      return made.toProviderTemplate();
    }
  }

  /**
   * Removes the template (raw, prepared or half-made) after {@code destroy_seconds}; deploying from
   * it fails afterwards. Deleting an unknown template succeeds at once.
   */
  @Override
  public void deleteTemplate(String templateName) {
    String failReason;
    Duration time;
    synchronized (lock) {
      if (templateName == null || !templates.containsKey(templateName)) {
        log.debug("delete template {}: no such template, nothing to do", templateName);
        return;
      }
      failReason = reasonOf(forced.get(Operation.DELETE_TEMPLATE).poll());
      time = sample(settings.destroySeconds());
    }
    try {
      pause(time);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted while deleting template " + templateName);
    }
    if (failReason != null) {
      log.info("delete template {}: failed ({}), template kept", templateName, failReason);
      throw ProviderException.transientFailure(
          "simulated delete failure of template " + templateName + ": " + failReason);
    }
    synchronized (lock) {
      if (templates.remove(templateName) != null) {
        deletedTemplates.add(templateName);
        persist();
        log.info("delete template {}: deleted", templateName);
      }
    }
  }

  // --- VM tasks --------------------------------------------------------------------------------

  /** What the VM tasks left on a VM: its snapshots and disks in the order made, and the last revert. */
  public record VmTaskState(List<String> snapshots, Map<String, Integer> disksGb, String revertedTo, int reverts) {}

  @Override
  public void snapshot(String vmName, String snapshotId) {
    Objects.requireNonNull(snapshotId, "snapshotId");
    vmTask(vmName, "snapshot", Operation.SNAPSHOT, failPercent().onSnapshot(), "fail_percent.snapshot",
        settings.snapshotSeconds(), vm -> vm.snapshots.containsKey(snapshotId), vm -> {},
        vm -> vm.snapshots.put(snapshotId, clock.instant()));
  }

  @Override
  public void revertSnapshot(String vmName, String snapshotId) {
    vmTask(vmName, "revert", Operation.REVERT, failPercent().onRevert(), "fail_percent.revert",
        settings.revertSeconds(), vm -> false, vm -> requireSnapshot(vm, snapshotId), vm -> {
          vm.revertedTo = snapshotId;
          vm.reverts++;
        });
  }

  @Override
  public void addDisk(String vmName, String diskId, int sizeGb) {
    Objects.requireNonNull(diskId, "diskId");
    if (sizeGb < 1) {
      throw new IllegalArgumentException("disk size must be at least 1 GB (got " + sizeGb + ")");
    }
    vmTask(vmName, "disk", Operation.ADD_DISK, failPercent().onDisk(), "fail_percent.disk",
        settings.diskSeconds(), vm -> vm.disks.containsKey(diskId), vm -> {}, vm -> vm.disks.put(diskId, sizeGb));
  }

  /**
   * The course every VM task takes: under the lock, find the VM, return at once if the task was {@code done}
   * already, {@code check} what it needs and settle whether it fails; sleep without the lock; then, if the
   * VM is still there and the check still holds, fail transiently or {@code apply} the change and persist it.
   */
  private void vmTask(String vmName, String task, Operation op, double failPercent, String failKey,
      SecondsRange duration, Predicate<SimVm> done, Consumer<SimVm> check, Consumer<SimVm> apply) {
    String failReason;
    Duration time;
    SimVm vm;
    synchronized (lock) {
      vm = requireForTask(vmName, task);
      if (done.test(vm)) {
        log.debug("{} of {}: done already", task, vmName);
        return;
      }
      check.accept(vm);
      failReason = failureReason(op, failPercent, failKey);
      time = sample(duration);
    }
    try {
      pause(time);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted during " + task + " of " + vmName);
    }
    synchronized (lock) {
      if (vms.get(vmName) != vm) {
        log.info("{} of {}: VM destroyed meanwhile", task, vmName);
        throw ProviderException.permanent(ErrorTypes.VM_NOT_FOUND, task + ": VM " + vmName + " was destroyed meanwhile");
      }
      check.accept(vm);
      if (failReason != null) {
        log.info("{} of {}: failed ({})", task, vmName, failReason);
        throw ProviderException.transientFailure("simulated " + task + " failure of " + vmName + ": " + failReason);
      }
      if (!done.test(vm)) {
        apply.accept(vm);
        persist();
        log.debug("{} of {}: done", task, vmName);
      }
    }
  }

  /** The VM's snapshots, disks and last revert; empty for an unknown VM. */
  public Optional<VmTaskState> vmTaskState(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      return vm == null
          ? Optional.empty()
          : Optional.of(new VmTaskState(List.copyOf(vm.snapshots.keySet()),
              Collections.unmodifiableMap(new LinkedHashMap<>(vm.disks)), vm.revertedTo,
              vm.reverts));
    }
  }

  /** The VM a task acts on: missing is permanent; one still being created is worth retrying. Under lock. */
  private SimVm requireForTask(String vmName, String task) {
    SimVm vm = vms.get(vmName);
    if (vm == null) {
      throw ProviderException.permanent(ErrorTypes.VM_NOT_FOUND, task + ": provider " + name() + " has no VM " + vmName);
    }
    if (vm.state == PowerState.CREATING) {
      throw ProviderException.transientFailure(task + ": VM " + vmName + " is still being created");
    }
    return vm;
  }

  private static void requireSnapshot(SimVm vm, String snapshotId) {
    if (snapshotId == null || !vm.snapshots.containsKey(snapshotId)) {
      throw ProviderException.permanent(ErrorTypes.SNAPSHOT_NOT_FOUND, "VM " + vm.name + " has no snapshot " + snapshotId);
    }
  }

  /** Templates a failed finish left half-made (also in {@link #templates}, as prepared). */
  public List<ProviderTemplate> halfMadeTemplates() {
    synchronized (lock) {
      return templates.values().stream()
          .filter(TemplateRecord::halfMade)
          .map(TemplateRecord::toProviderTemplate)
          .toList();
    }
  }

  /** The settings the last successful {@link #configure} recorded on the VM; empty if none or no such VM. */
  public Optional<Map<String, String>> configuration(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      return vm == null ? Optional.empty() : Optional.ofNullable(vm.configuration);
    }
  }

  /** Whether {@link #seal} succeeded on the VM (false for an unknown VM). */
  public boolean isSealed(String vmName) {
    synchronized (lock) {
      SimVm vm = vms.get(vmName);
      return vm != null && vm.sealed;
    }
  }

  /**
   * Test hook: guests deployed or cloned from {@code template} (also those running already) report
   * {@code version} from now on; null makes them report none. Not persisted.
   */
  public void setGuestVersion(String template, String version) {
    synchronized (lock) {
      guestVersionOverrides.put(Objects.requireNonNull(template, "template"), Optional.ofNullable(version));
    }
    log.info("provider {}: guests of {} now report version {}", name(), template, version);
  }

  /**
   * Test hook: puts a raw template into the catalogue (as if a new raw build were uploaded),
   * replacing one of that name and un-deleting it. Persisted.
   */
  public ProviderTemplate putTemplate(SimulatedTemplate template) {
    Objects.requireNonNull(template, "template");
    if (template.name() == null || template.name().isBlank()) {
      throw new IllegalArgumentException("template name must not be blank");
    }
    synchronized (lock) {
      TemplateRecord t = TemplateRecord.raw(template);
      templates.put(t.name(), t);
      deletedTemplates.remove(t.name());
      persist();
      log.info("provider {}: raw template {} (version {}) added", name(), t.name(), t.version());
      return t.toProviderTemplate();
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
      log.debug("boot {}: done, RUNNING at {}", vm.name, vm.ip);
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

  /** Whether this call of a step fails: a forced failure first, else a roll of fail_steps. Under lock. */
  private Forced stepFailure(Operation op) {
    Forced f = forced.get(op).poll();
    if (f != null) {
      return f;
    }
    if (roll(settings.failPercentOfStep(op.step()))) {
      return new Forced("random failure (fail_steps." + op.step() + ")", false);
    }
    return null;
  }

  private static ProviderException stepException(Operation op, Forced f, String what) {
    String message = "simulated " + op.step() + " failure of " + what + ": " + f.reason();
    return f.permanent()
        ? ProviderException.permanent(ErrorTypes.STEP_FAILED, message)
        : ProviderException.transientFailure(message);
  }

  private static ProviderException stepRefused(Operation op, String message) {
    return ProviderException.permanent(ErrorTypes.STEP_FAILED, op.step() + ": " + message);
  }

  private void pauseStep(Duration d, Operation op, String vmName) {
    try {
      pause(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted during " + op.step() + " of " + vmName);
    }
  }

  /**
   * The VM, which must be RUNNING: missing, BROKEN or powered off is permanent; still being made or
   * booting is transient (it may be running soon). Under lock.
   */
  private SimVm requireRunning(String vmName, Operation op) {
    SimVm vm = vms.get(vmName);
    if (vm == null) {
      throw stepRefused(op, "no VM " + vmName);
    }
    if (advance(vm, clock.instant())) {
      persist();
    }
    return switch (vm.state) {
      case RUNNING -> vm;
      case CREATING, BOOTING -> throw ProviderException.transientFailure(
          op.step() + ": VM " + vmName + " is " + vm.state + ", not running yet");
      case BROKEN, POWERED_OFF -> throw stepRefused(op, "VM " + vmName + " is " + vm.state + ", not running");
    };
  }

  /** The VM for a power-off: it must exist and not be BROKEN or still being made. Under lock. */
  private SimVm requireForPowerOff(String vmName) {
    SimVm vm = vms.get(vmName);
    if (vm == null) {
      throw stepRefused(Operation.POWEROFF, "no VM " + vmName);
    }
    if (advance(vm, clock.instant())) {
      persist();
    }
    return switch (vm.state) {
      case BOOTING, RUNNING, POWERED_OFF -> vm;
      case CREATING -> throw ProviderException.transientFailure(
          "poweroff: VM " + vmName + " is still being created");
      case BROKEN -> throw stepRefused(Operation.POWEROFF, "VM " + vmName + " is BROKEN");
    };
  }

  /** The finished template when a finish already happened (template complete, VM gone), else null. Under lock. */
  private TemplateRecord finishedTemplate(String vmName, String templateName) {
    TemplateRecord t = templates.get(templateName);
    return t != null && !t.halfMade() && !vms.containsKey(vmName) ? t : null;
  }

  /** The powered-off VM a finish may turn into {@code templateName}. Under lock. */
  private SimVm requireForFinish(String vmName, String templateName) {
    SimVm vm = vms.get(vmName);
    if (vm == null) {
      throw stepRefused(Operation.FINISH, "no VM " + vmName + " to make template " + templateName + " of");
    }
    TemplateRecord t = templates.get(templateName);
    if (t != null && !t.halfMade()) {
      throw stepRefused(Operation.FINISH, "a template " + templateName + " exists already");
    }
    if (advance(vm, clock.instant())) {
      persist();
    }
    if (vm.state != PowerState.POWERED_OFF) {
      throw stepRefused(
          Operation.FINISH, "VM " + vmName + " is " + vm.state + ", must be powered off to become a template");
    }
    return vm;
  }

  /** The version of a catalogue template, null when unknown. Under lock. */
  private String catalogueVersion(String template) {
    TemplateRecord t = template == null ? null : templates.get(template);
    return t == null ? null : t.version();
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

  /**
   * The JSON shape of the state file. Version 1 files (no templates) load as if the catalogue held
   * only the configured templates.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record StateFile(
      int version,
      String provider,
      long ipCounter,
      List<VmRecord> vms,
      List<TemplateRecord> templates,
      List<String> deletedTemplates) {}

  /**
   * A catalogue entry, in memory and in the state file.
   *
   * @param halfMade left by a failed finish; only good for deleting
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record TemplateRecord(
      String name, String group, String version, LocalDate date, boolean prepared, boolean halfMade) {
    static TemplateRecord raw(SimulatedTemplate t) {
      return new TemplateRecord(t.name(), t.group(), t.version(), t.date(), false, false);
    }

    ProviderTemplate toProviderTemplate() {
      return new ProviderTemplate(name, group, version, date, prepared);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record VmRecord(
      String name,
      String template,
      PowerState state,
      String hostname,
      String ip,
      Instant createdAt,
      Instant bootDoneAt,
      String bootFailReason,
      String guestVersion,
      Map<String, String> configuration,
      boolean sealed,
      Map<String, Instant> snapshots,
      Map<String, Integer> disks,
      String revertedTo,
      int reverts) {}

  private void load() {
    if (!Files.exists(stateFile)) {
      log.debug("provider {}: no state file {}, starting empty", name(), stateFile);
      synchronized (lock) {
        addConfiguredTemplates();
      }
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
      if (state.templates() != null) {
        for (TemplateRecord t : state.templates()) {
          templates.put(t.name(), t);
        }
      }
      if (state.deletedTemplates() != null) {
        deletedTemplates.addAll(state.deletedTemplates());
      }
      repaired |= addConfiguredTemplates();
      if (repaired) {
        persist();
      }
      log.info(
          "provider {}: loaded {} VMs and {} templates from {}",
          name(),
          vms.size(),
          templates.size(),
          stateFile);
    }
  }

  /**
   * Puts the configured raw templates into the catalogue, unless deleted; a stored raw entry of the
   * same name is replaced (the settings say what raw builds the hypervisor holds), a prepared one
   * kept. Returns whether the catalogue changed. Under lock.
   */
  private boolean addConfiguredTemplates() {
    boolean changed = false;
    for (SimulatedTemplate configured : settings.templates()) {
      if (configured.name() == null || deletedTemplates.contains(configured.name())) {
        continue;
      }
      TemplateRecord stored = templates.get(configured.name());
      TemplateRecord raw = TemplateRecord.raw(configured);
      if (stored == null || (!stored.prepared() && !stored.equals(raw))) {
        templates.put(raw.name(), raw);
        changed = true;
      }
    }
    return changed;
  }

  /** Writes the whole inventory atomically. Under lock, so writes happen in mutation order. */
  private void persist() {
    List<VmRecord> records = new ArrayList<>(vms.size());
    for (SimVm vm : vms.values()) {
      records.add(vm.toRecord());
    }
    StateFile state =
        new StateFile(
            2,
            name(),
            ipCounter,
            records,
            List.copyOf(templates.values()),
            List.copyOf(deletedTemplates));
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
    /** The source template's version at deploy or clone time; null when unknown. */
    String guestVersion;
    /** What the last configure recorded; null before. */
    Map<String, String> configuration;
    boolean sealed;
    /** Snapshot id to when it was taken, in the order taken. */
    final Map<String, Instant> snapshots = new LinkedHashMap<>();
    /** Disk id to its size in GB, in the order added. */
    final Map<String, Integer> disks = new LinkedHashMap<>();
    /** The snapshot of the last revert; null before any. */
    String revertedTo;
    int reverts;

    ProviderVm toProviderVm() {
      boolean hasAddress = state != PowerState.CREATING && hostname != null;
      return new ProviderVm(
          name, template, state, hasAddress ? hostname : null, hasAddress ? ip : null, createdAt);
    }

    VmRecord toRecord() {
      return new VmRecord(
          name, template, state, hostname, ip, createdAt, bootDoneAt, bootFailReason, guestVersion,
          configuration, sealed, new LinkedHashMap<>(snapshots), new LinkedHashMap<>(disks), revertedTo, reverts);
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
      vm.guestVersion = r.guestVersion();
      vm.configuration =
          r.configuration() == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(r.configuration()));
      vm.sealed = r.sealed();
      if (r.snapshots() != null) {
        vm.snapshots.putAll(r.snapshots());
      }
      if (r.disks() != null) {
        vm.disks.putAll(r.disks());
      }
      vm.revertedTo = r.revertedTo();
      vm.reverts = r.reverts();
      if (vm.state == PowerState.BOOTING && vm.bootDoneAt == null) {
        vm.bootDoneAt = Instant.EPOCH;
      }
      return vm;
    }
  }
}
