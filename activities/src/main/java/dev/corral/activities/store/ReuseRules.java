package dev.corral.activities.store;

import dev.corral.config.Durations;
import dev.corral.config.PoolConfig;
import dev.corral.config.PoolLeasing;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which pools keep a released VM for its owner ({@code reuse: same_owner}) and within which limits,
 * from the config in memory: the claim and the release decide without reading anything for it.
 */
public final class ReuseRules {
  /** No pool reuses: every released VM is destroyed. */
  public static final ReuseRules NONE = new ReuseRules(Map.of());

  /**
   * One pool's limits.
   *
   * @param within a VM is reused only while its first lease began less than this long ago, and a
   *     reusable VM not leased again this long after its release is destroyed
   * @param maxUses most leases one VM serves
   */
  public record Rule(Duration within, int maxUses) {
    /**
     * Whether a VM whose lease is being released now may be kept: it served fewer than {@code
     * maxUses} leases and its first one began less than {@code within} ago.
     */
    public boolean keeps(int uses, Instant firstLeaseStart, Instant now) {
      return uses < maxUses
          && firstLeaseStart != null
          && now.isBefore(firstLeaseStart.plus(within));
    }

    /** Why a released VM is destroyed instead of kept, for its retire reason. */
    public String refusal(int uses) {
      return uses >= maxUses
          ? "served " + uses + " lease(s), reuse_max_uses is " + maxUses
          : "first leased more than reuse_within (" + Durations.format(within) + ") ago";
    }
  }

  private final Map<String, Rule> byPool;

  private ReuseRules(Map<String, Rule> byPool) {
    this.byPool = Map.copyOf(byPool);
  }

  public static ReuseRules of(List<PoolConfig> pools) {
    Map<String, Rule> rules = new HashMap<>();
    for (PoolConfig pool : pools) {
      PoolLeasing leasing = pool.leasing();
      if (leasing.reuse() == PoolLeasing.Reuse.SAME_OWNER) {
        rules.put(pool.name(), new Rule(leasing.reuseWithin(), leasing.reuseMaxUses()));
      }
    }
    return new ReuseRules(rules);
  }

  /** The pool's rule, or null when its released VMs are destroyed. */
  public Rule of(String pool) {
    return byPool.get(pool);
  }

  public boolean isEmpty() {
    return byPool.isEmpty();
  }
}
