package dev.corral.activities.store;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a caller asks to lease, all or nothing.
 *
 * @param leaseIds the ids of the leases to create: one for all VMs, or (vmpooler checkout) one per
 *     VM in the order of {@code counts}, so that each VM has its own lifetime, tags and release
 * @param counts pool name → VMs wanted
 * @param owner the user, or null when anonymous
 * @param tags JSON object text, or null
 * @param requestId the request the leases come from, or null
 * @param origin where the request came in (see {@code LeaseRow})
 * @param quotas every limit that applies to the owner; checked in the claim's own transaction
 */
public record LeaseClaim(
    List<String> leaseIds,
    Map<String, Integer> counts,
    String owner,
    String tags,
    String requestId,
    String origin,
    Instant now,
    Duration lifetime,
    List<LeaseQuota> quotas) {
  public LeaseClaim {
    leaseIds = List.copyOf(leaseIds);
    counts = new LinkedHashMap<>(counts);
    quotas = List.copyOf(quotas);
    int vms = vms(counts);
    if (leaseIds.size() != 1 && leaseIds.size() != vms) {
      throw new IllegalArgumentException(
          "a claim needs one lease id, or one per VM (" + vms + "), not " + leaseIds.size());
    }
  }

  /** One lease for all VMs, no tags and no quotas: what the walking skeleton's callers asked. */
  public static LeaseClaim single(
      String leaseId, String owner, Map<String, Integer> counts, Instant now, Duration lifetime) {
    return new LeaseClaim(
        List.of(leaseId), counts, owner, null, null, "v1", now, lifetime, List.of());
  }

  public int vms() {
    return vms(counts);
  }

  public boolean leasePerVm() {
    return leaseIds.size() > 1;
  }

  private static int vms(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }
}
