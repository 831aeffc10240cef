package dev.corral.activities.store.rows;

/** One row of {@code pool_alias}. */
public record PoolAlias(String alias, String pool) {}
