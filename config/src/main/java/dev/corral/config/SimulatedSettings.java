package dev.corral.config;

import java.nio.file.Path;

/**
 * Knobs of the simulated hypervisor (a test double in the spirit of vmpooler's dummy provider).
 *
 * @param powerOffPercent chance that a running VM is found powered off when it is checked
 * @param stateFile where the simulated inventory is persisted; null means data_dir/providers/NAME.json
 */
public record SimulatedSettings(
    SecondsRange cloneSeconds,
    SecondsRange bootSeconds,
    SecondsRange destroySeconds,
    FailPercent failPercent,
    double powerOffPercent,
    Path stateFile)
    implements ProviderSettings {

  /**
   * Failure chances per operation, each 0 to 100 (YAML keys clone, boot, destroy; {@code clone} cannot
   * name a record component in Java).
   */
  public record FailPercent(double onClone, double onBoot, double onDestroy) {
    public static final FailPercent NONE = new FailPercent(0, 0, 0);
  }
}
