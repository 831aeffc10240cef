package dev.corral.activities.store.rows;

/**
 * One row of {@code lease_demand}: {@code wanted} VMs of {@code pool}, asked for as {@code
 * aliasRequested}; with {@code template}, only VMs cloned from it (a waiting lease by build), and
 * with {@code provider} too, only those on that provider; else any of the pool's.
 */
public record LeaseDemandRow(
    String leaseId,
    int position,
    String aliasRequested,
    String pool,
    int wanted,
    String template,
    String provider) {
  /** Any VMs of the pool. */
  public LeaseDemandRow(
      String leaseId, int position, String aliasRequested, String pool, int wanted) {
    this(leaseId, position, aliasRequested, pool, wanted, null, null);
  }
}
