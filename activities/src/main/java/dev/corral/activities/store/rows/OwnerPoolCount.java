package dev.corral.activities.store.rows;

/** Leased VMs of one owner in one pool. */
public record OwnerPoolCount(String owner, String pool, int count) {}
