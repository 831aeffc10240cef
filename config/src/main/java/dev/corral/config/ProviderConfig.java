package dev.corral.config;

/**
 * One provider instance: a name, its type, the limits the placement honours, and type-specific
 * settings.
 *
 * <p>{@code settings} are what the type's {@link ProviderSettingsBinder} read; null when no {@link
 * ProviderCatalog} knows the type (this module on its own).
 *
 * @param maxVms most VMs this provider may hold at once (all pools together)
 * @param maxConcurrentClones most VMs being cloned or booted at once (all pools together)
 * @param maxConcurrentBuilds most template preparation builds running at once; more wait as queued
 */
public record ProviderConfig(
    String name,
    String type,
    int maxVms,
    int maxConcurrentClones,
    int maxConcurrentBuilds,
    ProviderSettings settings) {

  public static final int DEFAULT_MAX_CONCURRENT_CLONES = 10;
  public static final int DEFAULT_MAX_CONCURRENT_BUILDS = 1;

  public ProviderConfig(
      String name, String type, int maxVms, int maxConcurrentClones, ProviderSettings settings) {
    this(name, type, maxVms, maxConcurrentClones, DEFAULT_MAX_CONCURRENT_BUILDS, settings);
  }
}
