package dev.corral.activities.store.rows;

/** A live VM the reconciler compares with its provider: only what the comparison needs. */
public record CheckedVm(long id, String name, String pool, String state, String hostname) {}
