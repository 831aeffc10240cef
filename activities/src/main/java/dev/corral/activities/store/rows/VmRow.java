package dev.corral.activities.store.rows;

import java.time.Instant;

/** One row of {@code vm}; {@code state} is one of {@link VmStates}. */
public record VmRow(
    long id,
    String name,
    String pool,
    String provider,
    String template,
    String state,
    String hostname,
    String ip,
    String ports,
    int attempts,
    String failureReason,
    String retireReason,
    String leaseId,
    Instant createdAt,
    Instant readyAt,
    Instant leasedAt,
    Instant destroyingAt,
    Instant endedAt,
    Instant updatedAt) {

  /** This row as it is after the claim's UPDATE, so the claim need not read it back. */
  public VmRow leasedTo(String lease, Instant at) {
    return new VmRow(id, name, pool, provider, template, VmStates.LEASED, hostname, ip, ports, attempts,
        failureReason, retireReason, lease, createdAt, readyAt, at, destroyingAt, endedAt, at);
  }
}
