package dev.corral.activities.store;

/** A claim would take its owner (or the owner's group) over a quota; nothing was leased. */
public final class QuotaExceededException extends RuntimeException {
  private final String quota;
  private final String pool;
  private final int limit;
  private final int leased;
  private final int requested;

  public QuotaExceededException(String quota, String pool, int limit, int leased, int requested) {
    super(
        (pool == null ? quota + ".max_vms" : quota + ".pools." + pool)
            + " allows "
            + limit
            + " leased VMs"
            + (pool == null ? "" : " of pool " + pool)
            + "; "
            + leased
            + " are leased or awaited by pending leases and "
            + requested
            + " more were requested");
    this.quota = quota;
    this.pool = pool;
    this.limit = limit;
    this.leased = leased;
    this.requested = requested;
  }

  /** The config key of the limit, e.g. {@code quotas.per_user.max_vms}. */
  public String key() {
    return pool == null ? quota + ".max_vms" : quota + ".pools." + pool;
  }

  public String pool() {
    return pool;
  }

  public int limit() {
    return limit;
  }

  public int leased() {
    return leased;
  }

  public int requested() {
    return requested;
  }
}
