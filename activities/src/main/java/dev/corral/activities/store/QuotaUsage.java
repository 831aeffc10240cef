package dev.corral.activities.store;

import dev.corral.activities.store.rows.OwnerPoolCount;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.ibatis.session.SqlSession;

/**
 * Leased VMs per owner and pool inside one claim transaction, read once per batch for the owners that
 * have quotas and kept up to date as the batch grants claims, so that two claims of one batch cannot
 * together go over a limit. The claims of one process are serialised by the committer thread.
 */
final class QuotaUsage {
  private final Map<String, Map<String, Integer>> leased = new HashMap<>(); // owner -> pool -> VMs

  private QuotaUsage() {}

  static QuotaUsage read(SqlSession session, List<List<LeaseQuota>> quotasPerClaim) {
    QuotaUsage usage = new QuotaUsage();
    Set<String> owners = new HashSet<>();
    quotasPerClaim.forEach(quotas -> quotas.forEach(q -> owners.addAll(q.owners())));
    if (!owners.isEmpty()) {
      for (OwnerPoolCount c : session.getMapper(LeaseMapper.class).countLeasedByOwner(owners)) {
        usage.leased.computeIfAbsent(c.owner(), o -> new HashMap<>()).merge(c.pool(), c.count(), Integer::sum);
      }
    }
    return usage;
  }

  /** The first quota this claim would go over, or null. */
  QuotaExceededException refusal(LeaseClaim claim) {
    for (LeaseQuota quota : claim.quotas()) {
      if (quota.maxVms() != null) {
        int now = total(quota.owners(), null);
        if (now + claim.vms() > quota.maxVms()) {
          return new QuotaExceededException(quota.name(), null, quota.maxVms(), now, claim.vms());
        }
      }
      for (Map.Entry<String, Integer> want : claim.counts().entrySet()) {
        Integer limit = quota.perPool().get(want.getKey());
        if (limit == null) {
          continue;
        }
        int now = total(quota.owners(), want.getKey());
        if (now + want.getValue() > limit) {
          return new QuotaExceededException(quota.name(), want.getKey(), limit, now, want.getValue());
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
      sum += pool == null ? pools.values().stream().mapToInt(Integer::intValue).sum() : pools.getOrDefault(pool, 0);
    }
    return sum;
  }
}
