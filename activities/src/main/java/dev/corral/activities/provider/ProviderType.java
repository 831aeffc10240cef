package dev.corral.activities.provider;

import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettingsBinder;
import java.nio.file.Path;

/**
 * One kind of provider, as {@link ProviderTypes} lists it: the {@code type:} that selects it, how
 * the config reads its settings (the {@link ProviderSettingsBinder} half, run on every config
 * load), and how a provider of it is built at start-up.
 */
public interface ProviderType extends ProviderSettingsBinder {
  /** The config's {@code type:} value, e.g. {@code simulated}. */
  String name();

  /**
   * Builds the provider from its config, whose settings this type's {@link #bind} read. What only
   * this host can tell (files, tools) is checked here; a problem is an {@link
   * IllegalArgumentException} naming the config key, so a broken provider stops Corral at start-up
   * instead of failing every call later.
   *
   * @param dataDir where the provider keeps its state unless its settings say otherwise
   */
  VmProvider create(ProviderConfig config, Path dataDir);

  /**
   * Whether this type's VMs are containers and its templates images: what a template selector's
   * {@code container} flag (Sprout's) tells apart.
   */
  default boolean runsContainers() {
    return false;
  }
}
