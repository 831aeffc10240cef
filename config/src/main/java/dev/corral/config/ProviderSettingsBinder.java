package dev.corral.config;

/**
 * How the config reads the settings of one provider type: the keys a provider of that type may have
 * beside the common ones ({@code type}, {@code max_vms}, {@code max_concurrent_clones}, {@code
 * max_concurrent_builds}), and how they become its {@link ProviderSettings}. Each provider type
 * implements it; a {@link ProviderCatalog} lists them.
 *
 * <p>The keys {@link #bind} reads are the keys allowed: any other key of the provider is reported
 * as unknown, listing the common keys and then this type's in the order it read them. So a binder
 * reads its keys in the order a user should see them listed, and reads each one whether or not it
 * is written.
 */
public interface ProviderSettingsBinder {
  /** {@code max_concurrent_clones} when it is left out. */
  default int defaultMaxConcurrentClones() {
    return ProviderConfig.DEFAULT_MAX_CONCURRENT_CLONES;
  }

  /**
   * Reads this type's keys from the provider's mapping. A bad value is reported through the
   * mapping's reads (or {@link SettingsMapping#problem}) with its key and line and replaced by its
   * default, so that binding goes on; the config is only handed out when nothing was reported.
   */
  ProviderSettings bind(SettingsMapping provider);
}
