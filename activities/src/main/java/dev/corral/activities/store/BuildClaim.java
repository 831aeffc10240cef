package dev.corral.activities.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A lease of {@code count} ready VMs of one build, whichever pools they are in: all or nothing.
 *
 * @param pools the pools the VMs may come from (the caller's)
 * @param templates the build's template on each provider that may serve it
 * @param quotas every limit that applies to the owner; checked in the claim's own transaction
 */
public record BuildClaim(
    String leaseId,
    String owner,
    List<String> pools,
    List<BuildTemplate> templates,
    int count,
    String tags,
    String origin,
    Instant now,
    Duration lifetime,
    List<LeaseQuota> quotas) {
  public BuildClaim {
    pools = List.copyOf(pools);
    templates = List.copyOf(templates);
    quotas = List.copyOf(quotas);
  }
}
