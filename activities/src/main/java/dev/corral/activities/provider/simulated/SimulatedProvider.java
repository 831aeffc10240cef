package dev.corral.activities.provider.simulated;

// Over 400 lines: VmProvider has some twenty methods and this is where each one visibly maps to its
// simulated
// behaviour; the work itself is in HypervisorState, StateFile, Faults, TemplateChain and VmTasks.

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.Faults.Fault;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.TimedCall.Plan;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * of a running VM, a transient destroy failure, and a failed cleanup of a released VM ({@link
 * #cleanForReuse}). The inventory is written to a JSON state file ({@link StateFile}) on every
 * change and read back on start, so the simulated hypervisor outlives a Corral restart.
 *
 * <h2>Template preparation</h2>
 *
 * <p>The provider also holds a template catalogue, persisted in the same state file: the raw
 * templates of {@code templates} in the settings are there from the start, {@link #createTemplate}
 * adds prepared ones, {@link #deleteTemplate} removes them. Templates count against nothing. The
 * preparation steps ({@link #deploy}, {@link #guestVersion} as "verify", {@link #configure}, {@link
 * #seal}, {@link #powerOff(String, Duration)}, {@link #createTemplate} as "finish") each take
 * {@code step_seconds} and fail with chance {@code fail_steps[step]}; such failures are transient,
 * and {@link SimulatedControls#failNext}/{@link SimulatedControls#failNextPermanently} force the
 * next call of one step to fail (transiently, or permanently with StepFailed). A call with nothing
 * to do (deploying a VM that exists, powering off a VM that is off, finishing a template that
 * exists) returns at once: it neither sleeps nor fails.
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
 * a half-made template (listed by {@link #templates} and {@link
 * SimulatedControls#halfMadeTemplates}, removed by {@link #deleteTemplate} and replaced by a
 * repeated finish) next to the still powered-off VM.
 *
 * <h2>VM tasks</h2>
 *
 * <p>{@link #snapshot}, {@link #revertSnapshot} and {@link #addDisk} take {@code snapshot_seconds},
 * {@code revert_seconds} and {@code disk_seconds} and fail (transiently, leaving the VM unchanged)
 * with chance {@code fail_percent.snapshot}, {@code .revert} and {@code .disk}. The VM's snapshots,
 * disks and last revert are persisted with it ({@link SimulatedControls#vmTaskState}); a revert
 * only records that it happened. A snapshot or disk that exists already makes the call return at
 * once, neither sleeping nor failing. A VM that does not exist, or is destroyed while the call
 * runs, is a permanent VmNotFound.
 *
 * <h2>How it is built</h2>
 *
 * <p>This class holds the pool VM calls and hands the rest on: {@link TemplateChain} (preparation
 * steps), {@link VmTasks}, {@link HypervisorState} (what the hypervisor holds, its one lock, the
 * state file), {@link Faults} (which calls fail, how long they take) and {@link TimedCall} (the
 * lock, sleep, lock course every call that takes time follows, so the lock is never held while
 * sleeping). What only tests do is behind {@link #controls()}. Thread-safe.
 */
public final class SimulatedProvider implements VmProvider {
  private static final Logger log = LoggerFactory.getLogger(SimulatedProvider.class);

  private final ProviderConfig config;
  private final SimulatedSettings settings;
  private final HypervisorState state;
  private final Faults faults;
  private final TimedCall calls;
  private final TemplateChain chain;
  private final VmTasks tasks;
  private final SimulatedControls controls;

  public SimulatedProvider(
      ProviderConfig config,
      SimulatedSettings settings,
      Path stateFile,
      Clock clock,
      RandomGenerator random,
      Sleeper sleeper) {
    this.config = Objects.requireNonNull(config, "config");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.state =
        new HypervisorState(
            config.name(),
            new StateFile(Objects.requireNonNull(stateFile, "stateFile")),
            Objects.requireNonNull(clock, "clock"),
            settings.templates());
    this.faults = new Faults(settings, Objects.requireNonNull(random, "random"));
    this.calls = new TimedCall(state, Objects.requireNonNull(sleeper, "sleeper"));
    this.chain = new TemplateChain(config, settings, state, faults, calls);
    this.tasks = new VmTasks(settings, state, faults, calls);
    this.controls = new Controls(state, faults);
    state.load();
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

  /**
   * What tests and benchmarks do to this hypervisor beside Corral's calls: force failures, seed,
   * inspect.
   */
  public SimulatedControls controls() {
    return controls;
  }

  @Override
  public String name() {
    return config.name();
  }

  // --- pool VMs --------------------------------------------------------------------------------

  @Override
  public ProviderVm cloneVm(String vmName, String template) {
    Objects.requireNonNull(vmName, "vmName");
    return calls.run(
        () -> {
          SimVm existing = state.vms.get(vmName);
          if (existing != null) {
            log.debug("clone {}: already exists ({}), returning it", vmName, existing.state);
            return Plan.done(existing.toProviderVm());
          }
          state.requireRoom(config.maxVms(), vmName, "clone");
          Fault fault =
              faults.next(Operation.CLONE, faults.percents().onClone(), "fail_percent.clone");
          Duration time = faults.sample(settings.cloneSeconds());
          SimVm vm = state.create(vmName, template, state.catalogueVersion(template));
          log.debug("clone {}: started from template {} (takes {})", vmName, template, time);
          return Plan.take(time, fault, vm, "interrupted while cloning " + vmName);
        },
        plan -> {
          SimVm vm = plan.vm();
          if (state.endCreating(vm, plan.fault(), "clone", "cloning")) {
            throw ProviderException.permanent(
                ErrorTypes.CLONE_FAILED,
                "simulated clone failure of " + vmName + ": " + plan.fault().reason());
          }
          Fault bootFault =
              faults.next(Operation.BOOT, faults.percents().onBoot(), "fail_percent.boot");
          Duration bootTime = faults.sample(settings.bootSeconds());
          vm.state = PowerState.BOOTING;
          vm.hostname = vmName;
          vm.bootDoneAt = state.clock.instant().plus(bootTime);
          vm.bootFailReason = bootFault == null ? null : bootFault.reason();
          state.persist();
          // Corral logs the clone as an event ("VM cloned"); this is the simulation's own detail.
          log.debug(
              "clone {}: done, booting until {} (ip {}){}",
              vmName,
              vm.bootDoneAt,
              vm.ip,
              bootFault == null ? "" : ", boot fated to fail");
          return vm.toProviderVm();
        });
  }

  @Override
  public Readiness checkReady(String vmName) {
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      if (vm == null) {
        log.debug("check {}: no such VM", vmName);
        return Readiness.failed("no such VM");
      }
      if (state.advance(vm, state.clock.instant())) {
        state.persist();
        if (vm.state == PowerState.RUNNING) {
          // The check that sees the boot finish reports ready; power_off_percent strikes from the
          // next one.
          return Readiness.ready(vm.hostname, vm.ip);
        }
      }
      return switch (vm.state) {
        case CREATING, BOOTING -> {
          log.debug("check {}: still {}", vmName, vm.state);
          yield Readiness.booting();
        }
        case BROKEN ->
            Readiness.failed(
                vm.bootFailReason != null
                    ? "simulated boot failure: " + vm.bootFailReason
                    : "VM is broken (clone failed half-way)");
        case POWERED_OFF -> Readiness.failed("powered off");
        case RUNNING -> {
          if (faults.roll(settings.powerOffPercent())) {
            vm.state = PowerState.POWERED_OFF;
            state.persist();
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
    synchronized (state) {
      SimVm vm = state.vms.get(vmName);
      if (vm == null) {
        return Optional.empty();
      }
      state.catchUp(vm);
      return Optional.of(vm.toProviderVm());
    }
  }

  @Override
  public List<ProviderVm> inventory() {
    synchronized (state) {
      Instant now = state.clock.instant();
      boolean changed = false;
      List<ProviderVm> out = new ArrayList<>(state.vms.size());
      for (SimVm vm : state.vms.values()) {
        changed |= state.advance(vm, now);
        out.add(vm.toProviderVm());
      }
      if (changed) {
        state.persist();
      }
      return List.copyOf(out);
    }
  }

  @Override
  public void destroy(String vmName) {
    calls.<Void>run(
        () -> {
          if (!state.vms.containsKey(vmName)) {
            log.debug("destroy {}: no such VM, nothing to do", vmName);
            return Plan.done(null);
          }
          Fault fault =
              faults.next(Operation.DESTROY, faults.percents().onDestroy(), "fail_percent.destroy");
          return Plan.take(
              faults.sample(settings.destroySeconds()),
              fault,
              "interrupted while destroying " + vmName);
        },
        plan -> {
          if (plan.fails()) {
            log.info("destroy {}: failed ({}), VM kept", vmName, plan.fault().reason());
            throw ProviderException.transientFailure(
                "simulated destroy failure of " + vmName + ": " + plan.fault().reason());
          }
          if (state.vms.remove(vmName) != null) {
            state.persist();
            log.debug("destroy {}: destroyed", vmName);
          }
          return null;
        });
  }

  /**
   * Readies a released VM for its owner's next lease: takes {@code clean_seconds} and fails with
   * chance {@code fail_percent.clean}. Only a running VM can be cleaned; a missing, broken or
   * powered-off one, or a failed cleanup, is a permanent CleanupFailed (the VM is destroyed
   * instead).
   */
  @Override
  public void cleanForReuse(String vmName) {
    calls.<Void>run(
        () -> {
          SimVm vm = state.vms.get(vmName);
          if (vm == null) {
            throw ProviderException.permanent(
                ErrorTypes.CLEANUP_FAILED, "no VM " + vmName + " to clean");
          }
          state.catchUp(vm);
          if (vm.state != PowerState.RUNNING) {
            throw ProviderException.permanent(
                ErrorTypes.CLEANUP_FAILED,
                "VM " + vmName + " is " + vm.state + ", only a running VM can be cleaned");
          }
          Fault fault =
              faults.next(Operation.CLEAN, faults.percents().onClean(), "fail_percent.clean");
          return Plan.take(
              faults.sample(settings.cleanSeconds()),
              fault,
              "interrupted while cleaning " + vmName);
        },
        plan -> {
          if (!state.vms.containsKey(vmName)) {
            throw ProviderException.permanent(
                ErrorTypes.CLEANUP_FAILED, "VM " + vmName + " vanished while being cleaned");
          }
          if (plan.fails()) {
            log.info("clean {}: failed ({})", vmName, plan.fault().reason());
            throw ProviderException.permanent(
                ErrorTypes.CLEANUP_FAILED,
                "simulated cleanup failure of " + vmName + ": " + plan.fault().reason());
          }
          state.cleanings.merge(vmName, 1, Integer::sum);
          log.debug("clean {}: user data removed, ready for its owner's next lease", vmName);
          return null;
        });
  }

  // --- template catalogue and preparation steps (TemplateChain) -------------------------------
  // Each step is called here, not on the chain directly: tests find the step a sleep belongs to by
  // this
  // class's method on the stack.

  @Override
  public List<ProviderTemplate> templates() {
    return chain.templates();
  }

  /**
   * Deploys {@code vmName} from {@code template}; it is RUNNING when this returns (no separate boot
   * wait). An existing VM is returned as it is, except a BROKEN one (a failed deploy's leftover),
   * which is replaced. Counts against {@code max_vms} like a clone.
   */
  @Override
  public ProviderVm deploy(String vmName, String template) {
    return chain.deploy(vmName, template);
  }

  /**
   * The "verify" step: the version of the VM's source template in the catalogue as it was at deploy
   * or clone time (or what {@link SimulatedControls#setGuestVersion} says for that template); empty
   * when the template was unknown or has no version. Its failures are "guest unreachable".
   */
  @Override
  public Optional<String> guestVersion(String vmName) {
    return chain.guestVersion(vmName);
  }

  /**
   * Records {@code settings} as the VM's configuration (replacing an earlier one); see {@link
   * SimulatedControls#configuration}.
   */
  @Override
  public void configure(String vmName, Map<String, String> settings) {
    chain.configure(vmName, settings);
  }

  /** Marks the VM sealed; see {@link SimulatedControls#isSealed}. */
  @Override
  public void seal(String vmName) {
    chain.seal(vmName);
  }

  /**
   * The "poweroff" step: a booting or running VM becomes POWERED_OFF ({@code graceful} is only
   * logged). A VM that is off already stays off and the call returns at once. A missing or BROKEN
   * VM fails permanently.
   */
  @Override
  public void powerOff(String vmName, Duration graceful) {
    chain.powerOff(vmName, graceful);
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
    return chain.createTemplate(vmName, templateName);
  }

  /**
   * Removes the template (raw, prepared or half-made) after {@code destroy_seconds}; deploying from
   * it fails afterwards. Deleting an unknown template succeeds at once.
   */
  @Override
  public void deleteTemplate(String templateName) {
    chain.deleteTemplate(templateName);
  }

  // --- VM tasks (VmTasks) ----------------------------------------------------------------------

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
