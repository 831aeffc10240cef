package dev.corral.activities.store.rows;

/** One row of {@code provider}: its limits as last synced from the config. */
public record ProviderRow(
    String name, String type, int maxVms, int maxConcurrentClones, int maxConcurrentBuilds, boolean active) {}
