package dev.corral.activities.store.rows;

/** Ready VMs of one template on one provider in one pool. */
public record ReadyCount(String provider, String template, String pool, int count) {}
