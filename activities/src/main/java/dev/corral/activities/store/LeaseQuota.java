package dev.corral.activities.store;

import java.util.Map;
import java.util.Set;

/**
 * One limit on leased VMs that a claim must respect: the VMs leased by {@code owners} together (one
 * user for a per-user quota, every member for a group quota) may not go over {@code maxVms} overall
 * nor over {@code perPool} in a pool.
 *
 * @param name how the limit is named to the user, e.g. {@code quotas.per_user} or {@code
 *     quotas.groups.qa}
 * @param maxVms null for no overall limit
 */
public record LeaseQuota(
    String name, Set<String> owners, Integer maxVms, Map<String, Integer> perPool) {
  public LeaseQuota {
    owners = Set.copyOf(owners);
    perPool = Map.copyOf(perPool);
  }
}
