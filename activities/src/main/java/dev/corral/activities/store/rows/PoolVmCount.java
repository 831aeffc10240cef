package dev.corral.activities.store.rows;

/**
 * A pool's target size and how many of its VMs are in one state; {@code state} is null (and {@code
 * count} 0) for a pool without VMs.
 */
public record PoolVmCount(String pool, int size, String state, int count) {}
