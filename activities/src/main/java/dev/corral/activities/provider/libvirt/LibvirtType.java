package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderType;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettings;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/** {@code type: libvirt}: domains on a libvirt/KVM host, one provider per host. */
public final class LibvirtType implements ProviderType {
  @Override
  public String name() {
    return "libvirt";
  }

  @Override
  public ProviderSettings bind(SettingsMapping provider) {
    return LibvirtSettingsBinder.bind(provider);
  }

  @Override
  public VmProvider create(ProviderConfig config, Path dataDir) {
    return LibvirtProvider.create(config);
  }
}
