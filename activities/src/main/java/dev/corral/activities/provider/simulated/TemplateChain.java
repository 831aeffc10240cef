package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.Faults.Fault;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.TimedCall.Plan;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template catalogue and the preparation steps of {@link SimulatedProvider} (whose javadoc says
 * what each step does). Every step takes {@code step_seconds} through {@link TimedCall} and fails
 * as {@link Faults#step} decides; a forced permanent failure is a StepFailed, any other a transient
 * failure.
 */
final class TemplateChain {
  private static final Logger log = LoggerFactory.getLogger(TemplateChain.class);

  private final ProviderConfig config;
  private final SimulatedSettings settings;
  private final HypervisorState state;
  private final Faults faults;
  private final TimedCall calls;

  TemplateChain(
      ProviderConfig config,
      SimulatedSettings settings,
      HypervisorState state,
      Faults faults,
      TimedCall calls) {
    this.config = config;
    this.settings = settings;
    this.state = state;
    this.faults = faults;
    this.calls = calls;
  }

  List<ProviderTemplate> templates() {
    synchronized (state) {
      List<ProviderTemplate> out = new ArrayList<>(state.templates.size());
      for (TemplateRecord t : state.templates.values()) {
        out.add(t.toProviderTemplate());
      }
      return List.copyOf(out);
    }
  }

  ProviderVm deploy(String vmName, String template) {
    Objects.requireNonNull(vmName, "vmName");
    return calls.run(
        () -> {
          if (template == null || template.isBlank()) {
            throw ProviderException.permanent(
                ErrorTypes.TEMPLATE_NOT_FOUND, "cannot deploy " + vmName + ": no template named");
          }
          SimVm existing = state.vms.get(vmName);
          if (existing != null) {
            state.catchUp(existing);
            if (existing.state != PowerState.BROKEN) {
              log.debug("deploy {}: already exists ({}), returning it", vmName, existing.state);
              return Plan.done(existing.toProviderVm());
            }
          }
          if (state.deletedTemplates.contains(template)) {
            log.info("deploy {}: template {} was deleted", vmName, template);
            throw ProviderException.permanent(
                ErrorTypes.TEMPLATE_NOT_FOUND,
                "provider "
                    + config.name()
                    + " has no template "
                    + template
                    + " (deleted), cannot deploy "
                    + vmName);
          }
          TemplateRecord source = state.templates.get(template);
          if (source != null && source.halfMade()) {
            throw ProviderException.permanent(
                ErrorTypes.STEP_FAILED,
                "template " + template + " is half-made, cannot deploy " + vmName + " from it");
          }
          if (existing == null) {
            state.requireRoom(config.maxVms(), vmName, "deploy");
          }
          Fault fault = faults.step(Operation.DEPLOY);
          Duration time = faults.sample(settings.stepSeconds());
          SimVm vm = state.create(vmName, template, source != null ? source.version() : null);
          log.debug(
              "deploy {}: started from template {} (takes {}){}",
              vmName,
              template,
              time,
              existing != null ? ", replacing a broken leftover" : "");
          return Plan.take(time, fault, vm, "interrupted while deploying " + vmName);
        },
        plan -> {
          SimVm vm = plan.vm();
          if (state.endCreating(vm, plan.fault(), "deploy", "deploying")) {
            throw stepException(Operation.DEPLOY, plan.fault(), vmName);
          }
          vm.state = PowerState.RUNNING;
          vm.hostname = vmName;
          vm.bootDoneAt = state.clock.instant();
          state.persist();
          log.debug("deploy {}: done, RUNNING at {}", vmName, vm.ip);
          return vm.toProviderVm();
        });
  }

  Optional<String> guestVersion(String vmName) {
    return onRunningVm(
        vmName,
        Operation.VERIFY,
        vmName + " (guest unreachable)",
        vm -> {
          Optional<String> override = state.guestVersionOverrides.get(vm.template);
          Optional<String> version =
              override != null ? override : Optional.ofNullable(vm.guestVersion);
          log.debug("verify {}: guest reports version {}", vmName, version.orElse("(none)"));
          return version;
        });
  }

  void configure(String vmName, Map<String, String> configuration) {
    Objects.requireNonNull(configuration, "settings");
    Map<String, String> copy = Collections.unmodifiableMap(new LinkedHashMap<>(configuration));
    onRunningVm(
        vmName,
        Operation.CONFIGURE,
        vmName,
        vm -> {
          vm.configuration = copy;
          state.persist();
          log.debug("configure {}: applied {} settings", vmName, copy.size());
          return null;
        });
  }

  void seal(String vmName) {
    onRunningVm(
        vmName,
        Operation.SEAL,
        vmName,
        vm -> {
          vm.sealed = true;
          state.persist();
          log.debug("seal {}: sealed", vmName);
          return null;
        });
  }

  /**
   * A step on a VM that must be running when it starts and still when it ends; {@code apply} is its
   * effect.
   */
  private <T> T onRunningVm(
      String vmName, Operation op, String failureSubject, Function<SimVm, T> apply) {
    return calls.run(
        () -> {
          requireRunning(vmName, op);
          Fault fault = faults.step(op);
          return Plan.take(
              faults.sample(settings.stepSeconds()),
              fault,
              "interrupted during " + op.step() + " of " + vmName);
        },
        plan -> {
          if (plan.fails()) {
            log.info("{} {}: failed ({})", op.step(), vmName, plan.fault().reason());
            throw stepException(op, plan.fault(), failureSubject);
          }
          return apply.apply(requireRunning(vmName, op));
        });
  }

  void powerOff(String vmName, Duration graceful) {
    calls.<Void>run(
        () -> {
          SimVm vm = requireForPowerOff(vmName);
          if (vm.state == PowerState.POWERED_OFF) {
            log.debug("poweroff {}: already off", vmName);
            return Plan.done(null);
          }
          Fault fault = faults.step(Operation.POWEROFF);
          return Plan.take(
              faults.sample(settings.stepSeconds()),
              fault,
              "interrupted during poweroff of " + vmName);
        },
        plan -> {
          if (plan.fails()) {
            log.info("poweroff {}: failed ({}), still on", vmName, plan.fault().reason());
            throw stepException(Operation.POWEROFF, plan.fault(), vmName);
          }
          SimVm vm = requireForPowerOff(vmName);
          if (vm.state != PowerState.POWERED_OFF) {
            vm.state = PowerState.POWERED_OFF;
            state.persist();
            log.debug("poweroff {}: powered off (graceful {})", vmName, graceful);
          }
          return null;
        });
  }

  ProviderTemplate createTemplate(String vmName, String templateName) {
    Objects.requireNonNull(vmName, "vmName");
    if (templateName == null || templateName.isBlank()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "cannot make a template of " + vmName + ": no template name");
    }
    return calls.run(
        () -> {
          TemplateRecord done = finishedTemplate(vmName, templateName);
          if (done != null) {
            log.debug("finish {}: template {} exists already, returning it", vmName, templateName);
            return Plan.done(done.toProviderTemplate());
          }
          requireForFinish(vmName, templateName);
          Fault fault = faults.step(Operation.FINISH);
          return Plan.take(
              faults.sample(settings.stepSeconds()),
              fault,
              "interrupted during finish of " + vmName);
        },
        plan -> {
          // A repeated call may have finished while this one slept.
          TemplateRecord done = finishedTemplate(vmName, templateName);
          if (done != null) {
            return done.toProviderTemplate();
          }
          SimVm vm = requireForFinish(vmName, templateName);
          TemplateRecord source = state.templates.get(vm.template);
          TemplateRecord made =
              new TemplateRecord(
                  templateName,
                  source != null ? source.group() : null,
                  source != null ? source.version() : vm.guestVersion,
                  source != null ? source.date() : null,
                  true,
                  plan.fails());
          state.templates.put(templateName, made);
          state.deletedTemplates.remove(templateName);
          if (plan.fails()) {
            state.persist();
            log.info(
                "finish {}: failed half-way ({}), left half-made template {}",
                vmName,
                plan.fault().reason(),
                templateName);
            throw stepException(
                Operation.FINISH, plan.fault(), vmName + " into template " + templateName);
          }
          state.vms.remove(vmName);
          state.persist();
          log.debug(
              "finish {}: now template {} (version {})", vmName, templateName, made.version());
          return made.toProviderTemplate();
        });
  }

  void deleteTemplate(String templateName) {
    calls.<Void>run(
        () -> {
          if (templateName == null || !state.templates.containsKey(templateName)) {
            log.debug("delete template {}: no such template, nothing to do", templateName);
            return Plan.done(null);
          }
          // Only a forced failure: deleting a template has no configured chance.
          Fault fault = faults.next(Operation.DELETE_TEMPLATE, 0, null);
          return Plan.take(
              faults.sample(settings.destroySeconds()),
              fault,
              "interrupted while deleting template " + templateName);
        },
        plan -> {
          if (plan.fails()) {
            log.info(
                "delete template {}: failed ({}), template kept",
                templateName,
                plan.fault().reason());
            throw ProviderException.transientFailure(
                "simulated delete failure of template "
                    + templateName
                    + ": "
                    + plan.fault().reason());
          }
          if (state.templates.remove(templateName) != null) {
            state.deletedTemplates.add(templateName);
            state.persist();
            log.info("delete template {}: deleted", templateName);
          }
          return null;
        });
  }

  // --- what each step needs; all under the lock ------------------------------------------------

  private static ProviderException stepException(Operation op, Fault f, String what) {
    String message = "simulated " + op.step() + " failure of " + what + ": " + f.reason();
    return f.permanent()
        ? ProviderException.permanent(ErrorTypes.STEP_FAILED, message)
        : ProviderException.transientFailure(message);
  }

  private static ProviderException stepRefused(Operation op, String message) {
    return ProviderException.permanent(ErrorTypes.STEP_FAILED, op.step() + ": " + message);
  }

  /**
   * The VM, which must be RUNNING: missing, BROKEN or powered off is permanent; still being made or
   * booting is transient (it may be running soon).
   */
  private SimVm requireRunning(String vmName, Operation op) {
    SimVm vm = state.vms.get(vmName);
    if (vm == null) {
      throw stepRefused(op, "no VM " + vmName);
    }
    state.catchUp(vm);
    return switch (vm.state) {
      case RUNNING -> vm;
      case CREATING, BOOTING ->
          throw ProviderException.transientFailure(
              op.step() + ": VM " + vmName + " is " + vm.state + ", not running yet");
      case BROKEN, POWERED_OFF ->
          throw stepRefused(op, "VM " + vmName + " is " + vm.state + ", not running");
    };
  }

  /** The VM for a power-off: it must exist and not be BROKEN or still being made. */
  private SimVm requireForPowerOff(String vmName) {
    SimVm vm = state.vms.get(vmName);
    if (vm == null) {
      throw stepRefused(Operation.POWEROFF, "no VM " + vmName);
    }
    state.catchUp(vm);
    return switch (vm.state) {
      case BOOTING, RUNNING, POWERED_OFF -> vm;
      case CREATING ->
          throw ProviderException.transientFailure(
              "poweroff: VM " + vmName + " is still being created");
      case BROKEN -> throw stepRefused(Operation.POWEROFF, "VM " + vmName + " is BROKEN");
    };
  }

  /**
   * The finished template when a finish already happened (template complete, VM gone), else null.
   */
  private TemplateRecord finishedTemplate(String vmName, String templateName) {
    TemplateRecord t = state.templates.get(templateName);
    return t != null && !t.halfMade() && !state.vms.containsKey(vmName) ? t : null;
  }

  /** The powered-off VM a finish may turn into {@code templateName}. */
  private SimVm requireForFinish(String vmName, String templateName) {
    SimVm vm = state.vms.get(vmName);
    if (vm == null) {
      throw stepRefused(
          Operation.FINISH, "no VM " + vmName + " to make template " + templateName + " of");
    }
    TemplateRecord t = state.templates.get(templateName);
    if (t != null && !t.halfMade()) {
      throw stepRefused(Operation.FINISH, "a template " + templateName + " exists already");
    }
    state.catchUp(vm);
    if (vm.state != PowerState.POWERED_OFF) {
      throw stepRefused(
          Operation.FINISH,
          "VM " + vmName + " is " + vm.state + ", must be powered off to become a template");
    }
    return vm;
  }
}
