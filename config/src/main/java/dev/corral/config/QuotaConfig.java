package dev.corral.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits on leased VMs. {@code perUser} applies to every user on their own; a group's limit applies
 * to all its members' leased VMs together. A request that would go over any limit gets nothing.
 */
public record QuotaConfig(Limit perUser, Map<String, Limit> groups) {
  public static final QuotaConfig NONE = new QuotaConfig(Limit.NONE, Map.of());

  public QuotaConfig {
    groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
  }

  /**
   * @param maxVms leased VMs at once, over all pools; null means no limit
   * @param pools leased VMs at once per pool name; a pool not named has no own limit
   * @param providers for a group: the providers (and so the pools and templates on them) its
   *     members may use; null means all. A user in several groups may use the union of theirs.
   */
  public record Limit(
      Integer maxVms, Map<String, Integer> pools, java.util.List<String> providers) {
    public static final Limit NONE = new Limit(null, Map.of(), null);

    public Limit {
      pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
      providers = providers == null ? null : java.util.List.copyOf(providers);
    }
  }
}
