package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Leases in the database: the claim, reads, and ending a lease. No Temporal call happens here. */
public final class LeaseStore implements AutoCloseable {
  private final Db db;
  private final ClaimCommitter committer;

  public LeaseStore(Db db) {
    this.db = db;
    this.committer = new ClaimCommitter(db);
  }

  /** A lease with the VMs it holds. */
  public record Lease(LeaseRow lease, List<VmRow> vms) {}

  /**
   * Claims {@code counts} (pool → VMs): either every VM is leased to the new lease or none is.
   * Throws {@link PoolShortException} naming the first pool that is short. Concurrent claims share
   * one transaction ({@link ClaimCommitter}); each pool costs one indexed read and one update per
   * batch, however many VMs are ready.
   */
  public Lease claim(String leaseId, String owner, Map<String, Integer> counts, Instant now, Duration lifetime) {
    return committer.claim(leaseId, owner, counts, now, lifetime);
  }

  public Optional<Lease> find(String leaseId) {
    return db.inTransaction(
        session -> {
          LeaseRow lease = session.getMapper(LeaseMapper.class).selectById(leaseId);
          if (lease == null) {
            return Optional.empty();
          }
          return Optional.of(new Lease(lease, session.getMapper(VmMapper.class).selectByLease(leaseId)));
        });
  }

  /**
   * Ends an active lease ({@code released} or {@code expired}) and marks its VMs destroying. Ending an
   * ended lease changes nothing. Returns the lease as it is now; the caller retires its VMs.
   */
  public Optional<Lease> end(String leaseId, String state, String reason, Instant now) {
    return db.inTransaction(
        session -> {
          LeaseMapper leases = session.getMapper(LeaseMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          if (leases.end(leaseId, state, reason, now) == 1) {
            vms.markLeaseDestroying(leaseId, "lease " + state, now);
          }
          LeaseRow lease = leases.selectById(leaseId);
          return lease == null ? Optional.<Lease>empty() : Optional.of(new Lease(lease, vms.selectByLease(leaseId)));
        });
  }

  /** Claims waiting for the committer (for tests). */
  int queuedClaims() {
    return committer.queued();
  }

  /** Claim transactions begun so far (for tests). */
  long batchesStarted() {
    return committer.batchesStarted();
  }

  /** Refuses further claims and fails queued ones; a claim transaction under way still finishes. */
  @Override
  public void close() {
    committer.close();
  }
}
