package dev.corral.config;

import java.time.Duration;

/**
 * How a pool's VMs are handed out to users.
 *
 * @param anonymous whether a request without a token may lease from this pool when auth is on
 * @param lifetimeAuthenticated the default lease lifetime for token holders; null means the pool's
 *     {@code lifetime}
 * @param maxOndemandPerRequest most VMs of this pool one on-demand request may ask for
 * @param reuse {@code none}: a released VM is destroyed; {@code same_owner}: after the provider's
 *     cleanup hook it waits for the same owner's next request, for up to {@code reuseWithin} and
 *     {@code reuseMaxUses} leases in all
 */
public record PoolLeasing(
    boolean anonymous,
    Duration lifetimeAuthenticated,
    int maxOndemandPerRequest,
    Reuse reuse,
    Duration reuseWithin,
    int reuseMaxUses) {
  public static final int DEFAULT_MAX_ONDEMAND = 10;
  public static final Duration DEFAULT_REUSE_WITHIN = Duration.ofMinutes(30);
  public static final int DEFAULT_REUSE_MAX_USES = 5;
  public static final PoolLeasing DEFAULT =
      new PoolLeasing(
          false,
          null,
          DEFAULT_MAX_ONDEMAND,
          Reuse.NONE,
          DEFAULT_REUSE_WITHIN,
          DEFAULT_REUSE_MAX_USES);

  public enum Reuse {
    NONE,
    SAME_OWNER;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
