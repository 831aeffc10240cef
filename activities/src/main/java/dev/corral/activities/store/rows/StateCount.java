package dev.corral.activities.store.rows;

/** How many VMs of a group (a pool or a provider) are in one state. */
public record StateCount(String groupName, String state, int count) {}
