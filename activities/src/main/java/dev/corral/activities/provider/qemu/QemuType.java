package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderType;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettings;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/** {@code type: qemu}: VMs that really boot, one QEMU process each. */
public final class QemuType implements ProviderType {
  @Override
  public String name() {
    return "qemu";
  }

  /**
   * Booting a real guest is CPU-bound: more concurrent boots than cores only make every boot late.
   */
  @Override
  public int defaultMaxConcurrentClones() {
    return Runtime.getRuntime().availableProcessors();
  }

  @Override
  public ProviderSettings bind(SettingsMapping provider) {
    return QemuSettingsBinder.bind(provider);
  }

  @Override
  public VmProvider create(ProviderConfig config, Path dataDir) {
    return QemuProvider.create(config, dataDir);
  }
}
