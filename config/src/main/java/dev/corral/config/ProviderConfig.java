package dev.corral.config;

/**
 * One provider instance: a name, its type, the limits the placement honours, and type-specific settings.
 *
 * @param maxVms most VMs this provider may hold at once (all pools together)
 * @param maxConcurrentClones most VMs being cloned or booted at once (all pools together)
 */
public record ProviderConfig(
    String name, String type, int maxVms, int maxConcurrentClones, ProviderSettings settings) {}
