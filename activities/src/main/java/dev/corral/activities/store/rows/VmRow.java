package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code vm}; {@code state} is one of {@link VmStates}.
 *
 * @param reservedFor the owner a cleaning or reusable VM is held for, else null
 * @param uses how many leases the VM was handed to
 * @param firstLeasedAt when its first lease began, recorded when it is first held for reuse
 * @param reusableUntil when a cleaning or reusable VM is destroyed unless its owner leases it again
 */
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
    Instant updatedAt,
    String reservedFor,
    int uses,
    Instant firstLeasedAt,
    Instant reusableUntil) {

  /** This row as it is after the claim's UPDATE, so the claim need not read it back. */
  public VmRow leasedTo(String lease, Instant at) {
    return new VmRow(
        id,
        name,
        pool,
        provider,
        template,
        VmStates.LEASED,
        hostname,
        ip,
        ports,
        attempts,
        failureReason,
        retireReason,
        lease,
        createdAt,
        readyAt,
        at,
        destroyingAt,
        endedAt,
        at,
        null,
        uses + 1,
        firstLeasedAt,
        null);
  }

  /**
   * True for a leased VM that served an earlier lease of its owner and was held for this one: only
   * a release for reuse records {@code firstLeasedAt}, and a held VM never goes back to ready. (Not
   * {@code uses}, which keeps counting when a tool puts leased VMs back to ready, as the claim
   * benchmark's recycler does: every claim would then signal a VM workflow.)
   */
  public boolean reused() {
    return VmStates.LEASED.equals(state) && firstLeasedAt != null;
  }

  /**
   * When its first lease began: {@code firstLeasedAt}, or while in its first lease {@code
   * leasedAt}.
   */
  public Instant firstLeaseStart() {
    return firstLeasedAt != null ? firstLeasedAt : leasedAt;
  }
}
