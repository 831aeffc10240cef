package dev.corral.activities.provider.simulated;

import dev.corral.config.ProviderSettings;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Knobs of the simulated hypervisor (a test double in the spirit of vmpooler's dummy provider).
 *
 * @param powerOffPercent chance that a running VM is found powered off when it is checked
 * @param stateFile where the simulated inventory is persisted; null means
 *     data_dir/providers/NAME.json
 * @param stepSeconds how long each template preparation step takes
 * @param failSteps failure chance per preparation step (keys in {@link #STEPS}), each 0 to 100
 * @param templates raw templates the simulated hypervisor holds from the start, as its own listing
 *     shows them
 * @param snapshotSeconds how long taking a snapshot of a VM takes
 * @param revertSeconds how long reverting a VM to a snapshot takes
 * @param diskSeconds how long adding a disk to a VM takes
 * @param cleanSeconds how long the cleanup hook takes that readies a released VM for its owner's
 *     next lease
 */
public record SimulatedSettings(
    SecondsRange cloneSeconds,
    SecondsRange bootSeconds,
    SecondsRange destroySeconds,
    FailPercent failPercent,
    double powerOffPercent,
    Path stateFile,
    SecondsRange stepSeconds,
    Map<String, Double> failSteps,
    List<SimulatedTemplate> templates,
    SecondsRange snapshotSeconds,
    SecondsRange revertSeconds,
    SecondsRange diskSeconds,
    SecondsRange cleanSeconds)
    implements ProviderSettings {

  public static final SecondsRange DEFAULT_CLONE_SECONDS = new SecondsRange(1, 2);
  public static final SecondsRange DEFAULT_BOOT_SECONDS = new SecondsRange(1, 2);
  public static final SecondsRange DEFAULT_DESTROY_SECONDS = SecondsRange.ZERO;

  /** The preparation steps, in chain order; {@code fail_steps} keys must be among them. */
  public static final List<String> STEPS =
      List.of("deploy", "verify", "configure", "seal", "poweroff", "finish");

  public static final SecondsRange DEFAULT_STEP_SECONDS = SecondsRange.fixed(1);

  /** Default of snapshot_seconds, revert_seconds and disk_seconds. */
  public static final SecondsRange DEFAULT_VM_TASK_SECONDS = SecondsRange.fixed(1);

  public static final SecondsRange DEFAULT_CLEAN_SECONDS = SecondsRange.ZERO;

  public SimulatedSettings {
    failSteps = Map.copyOf(failSteps);
    templates = List.copyOf(templates);
    cleanSeconds = cleanSeconds == null ? DEFAULT_CLEAN_SECONDS : cleanSeconds;
  }

  public SimulatedSettings(
      SecondsRange cloneSeconds,
      SecondsRange bootSeconds,
      SecondsRange destroySeconds,
      FailPercent failPercent,
      double powerOffPercent,
      Path stateFile) {
    this(
        cloneSeconds,
        bootSeconds,
        destroySeconds,
        failPercent,
        powerOffPercent,
        stateFile,
        DEFAULT_STEP_SECONDS,
        Map.of(),
        List.of());
  }

  /** Settings with the default VM task (snapshot, revert, disk) durations and cleanup time. */
  public SimulatedSettings(
      SecondsRange cloneSeconds,
      SecondsRange bootSeconds,
      SecondsRange destroySeconds,
      FailPercent failPercent,
      double powerOffPercent,
      Path stateFile,
      SecondsRange stepSeconds,
      Map<String, Double> failSteps,
      List<SimulatedTemplate> templates) {
    this(
        cloneSeconds,
        bootSeconds,
        destroySeconds,
        failPercent,
        powerOffPercent,
        stateFile,
        stepSeconds,
        failSteps,
        templates,
        DEFAULT_VM_TASK_SECONDS,
        DEFAULT_VM_TASK_SECONDS,
        DEFAULT_VM_TASK_SECONDS,
        DEFAULT_CLEAN_SECONDS);
  }

  /** Failure chance of one preparation step, 0 when not configured. */
  public double failPercentOfStep(String step) {
    return failSteps.getOrDefault(step, 0.0);
  }

  /**
   * A raw template on the simulated hypervisor. {@code version} is what a guest cloned from it
   * reports (null: the guest reports none); {@code group} and {@code date} are what the provider's
   * listing shows.
   */
  public record SimulatedTemplate(String name, String group, String version, LocalDate date) {}

  /**
   * Failure chances per operation, each 0 to 100 (YAML keys clone, boot, destroy, snapshot, revert,
   * disk, clean; {@code clone} cannot name a record component in Java). Snapshot, revert and disk
   * failures are transient: the same call may succeed when repeated. A failed cleanup means the VM
   * is destroyed, not reused.
   */
  public record FailPercent(
      double onClone,
      double onBoot,
      double onDestroy,
      double onSnapshot,
      double onRevert,
      double onDisk,
      double onClean) {
    public static final FailPercent NONE = new FailPercent(0, 0, 0);

    /** Chances for clone, boot and destroy; VM tasks and cleanups never fail. */
    public FailPercent(double onClone, double onBoot, double onDestroy) {
      this(onClone, onBoot, onDestroy, 0, 0, 0, 0);
    }
  }
}
