package dev.corral.activities.store;

import dev.corral.activities.store.rows.OwnerPoolCount;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.ibatis.session.SqlSession;

/**
 * VMs held per owner and pool inside one transaction that checks quotas: leased ones plus those the
 * owner's pending leases still wait for (a pending lease reserves its quota when it is made). Read
 * once per claim batch for the owners that have quotas and kept up to date as the batch grants
 * claims, so that two claims of one batch cannot together go over a limit. Reading first locks the
 * owners' quota rows, so checks of the same owner in other transactions (pending leases, another
 * Corral instance) wait for this one to commit instead of both seeing room.
 */
final class QuotaUsage {
  private final Map<String, Map<String, Integer>> leased = new HashMap<>(); // owner -> pool -> VMs

  private QuotaUsage() {}

  static QuotaUsage read(SqlSession session, List<List<LeaseQuota>> quotasPerClaim) {
    QuotaUsage usage = new QuotaUsage();
    // Sorted: every transaction locks owners in the same order, so two of them never deadlock here.
    Set<String> owners = new TreeSet<>();
    quotasPerClaim.forEach(quotas -> quotas.forEach(q -> owners.addAll(q.owners())));
    if (!owners.isEmpty()) {
      LeaseMapper leases = session.getMapper(LeaseMapper.class);
      leases.lockQuotaOwners(owners);
      for (OwnerPoolCount c : leases.countHeldByOwner(owners)) {
        usage.add(c);
      }
    }
    return usage;
  }

  private void add(OwnerPoolCount c) {
    leased
        .computeIfAbsent(c.owner(), o -> new HashMap<>())
        .merge(c.pool(), c.count(), Integer::sum);
  }

  /** The first quota this claim would go over, or null. */
  QuotaExceededException refusal(LeaseClaim claim) {
    return refusal(claim.quotas(), claim.counts());
  }

  /** The first of {@code quotas} that taking {@code counts} (pool → VMs) would go over, or null. */
  QuotaExceededException refusal(List<LeaseQuota> quotas, Map<String, Integer> counts) {
    int vms = counts.values().stream().mapToInt(Integer::intValue).sum();
    for (LeaseQuota quota : quotas) {
      if (quota.maxVms() != null) {
        int now = total(quota.owners(), null);
        if (now + vms > quota.maxVms()) {
          return new QuotaExceededException(quota.name(), null, quota.maxVms(), now, vms);
        }
      }
      for (Map.Entry<String, Integer> want : counts.entrySet()) {
        Integer limit = quota.perPool().get(want.getKey());
        if (limit == null) {
          continue;
        }
        int now = total(quota.owners(), want.getKey());
        if (now + want.getValue() > limit) {
          return new QuotaExceededException(
              quota.name(), want.getKey(), limit, now, want.getValue());
        }
      }
    }
    return null;
  }

  /** Counts a granted claim, so the next claims of the batch see it. */
  void add(LeaseClaim claim) {
    if (claim.owner() == null || claim.quotas().isEmpty()) {
      return;
    }
    Map<String, Integer> pools = leased.computeIfAbsent(claim.owner(), o -> new HashMap<>());
    claim.counts().forEach((pool, n) -> pools.merge(pool, n, Integer::sum));
  }

  private int total(Collection<String> owners, String pool) {
    int sum = 0;
    for (String owner : owners) {
      Map<String, Integer> pools = leased.getOrDefault(owner, Map.of());
      sum +=
          pool == null
              ? pools.values().stream().mapToInt(Integer::intValue).sum()
              : pools.getOrDefault(pool, 0);
    }
    return sum;
  }
}
