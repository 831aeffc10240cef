package dev.corral.activities.provider.docker;

import dev.corral.activities.provider.ProviderType;
import dev.corral.activities.provider.VmProvider;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettings;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/**
 * {@code type: docker}: containers on a Docker Engine API endpoint (Docker, or Podman's compatible
 * service), one provider per endpoint.
 */
public final class DockerType implements ProviderType {
  @Override
  public String name() {
    return "docker";
  }

  @Override
  public ProviderSettings bind(SettingsMapping provider) {
    return DockerSettingsBinder.bind(provider);
  }

  @Override
  public VmProvider create(ProviderConfig config, Path dataDir) {
    return DockerProvider.create(config);
  }

  @Override
  public boolean runsContainers() {
    return true;
  }
}
