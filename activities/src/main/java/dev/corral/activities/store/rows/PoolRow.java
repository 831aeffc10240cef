package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code pool}: the pool's config as last synced, plus whether it is still configured. A pool
 * names a fixed {@code template}, or selects one by {@code templateGroup} (then template is null).
 */
public record PoolRow(
    String name,
    String template,
    String templateGroup,
    String templateVersion,
    boolean templatePrepared,
    int size,
    long readyTtlS,
    long bootTimeoutS,
    int maxTries,
    long lifetimeS,
    long maxLifetimeS,
    boolean active,
    Instant updatedAt) {

  /** The template selector, or null for a pool on a fixed template. */
  public PoolSelector selector() {
    return templateGroup == null ? null : new PoolSelector(templateGroup, templateVersion, templatePrepared);
  }
}
