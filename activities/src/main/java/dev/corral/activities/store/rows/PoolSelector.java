package dev.corral.activities.store.rows;

/**
 * A pool's template selector as stored: a group, {@code latest} or a version, raw or prepared, and
 * container templates only (true), VM templates only (false) or either (null).
 */
public record PoolSelector(
    String templateGroup,
    String templateVersion,
    boolean templatePrepared,
    Boolean templateContainer) {}
