package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderType;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettings;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/** {@code type: vsphere}: VMs cloned from templates on a vCenter, one provider per vCenter. */
public final class VsphereType implements ProviderType {
  @Override
  public String name() {
    return "vsphere";
  }

  @Override
  public ProviderSettings bind(SettingsMapping provider) {
    return VsphereSettingsBinder.bind(provider);
  }

  @Override
  public VmProvider create(ProviderConfig config, Path dataDir) {
    return VsphereProvider.create(config);
  }
}
