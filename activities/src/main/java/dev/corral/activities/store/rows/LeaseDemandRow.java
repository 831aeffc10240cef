package dev.corral.activities.store.rows;

/**
 * One row of {@code lease_demand}: {@code wanted} VMs of {@code pool}, asked for as {@code
 * aliasRequested}.
 */
public record LeaseDemandRow(
    String leaseId, int position, String aliasRequested, String pool, int wanted) {}
