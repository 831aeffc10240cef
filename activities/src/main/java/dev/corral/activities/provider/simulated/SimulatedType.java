package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderType;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettings;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/** {@code type: simulated}: a hypervisor that exists only in a state file. */
public final class SimulatedType implements ProviderType {
  @Override
  public String name() {
    return "simulated";
  }

  @Override
  public ProviderSettings bind(SettingsMapping provider) {
    return SimulatedSettingsBinder.bind(provider);
  }

  @Override
  public VmProvider create(ProviderConfig config, Path dataDir) {
    return SimulatedProvider.create(config, dataDir);
  }
}
