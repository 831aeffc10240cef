package dev.corral.activities.store.rows;

import java.time.Instant;

/** One row of {@code pool}: the pool's config as last synced, plus whether it is still configured. */
public record PoolRow(
    String name,
    String template,
    int size,
    long readyTtlS,
    long bootTimeoutS,
    int maxTries,
    long lifetimeS,
    long maxLifetimeS,
    boolean active,
    Instant updatedAt) {}
