package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Leases in the database: the claim, reads, and ending a lease. No Temporal call happens here. */
public final class LeaseStore {
  private final Db db;

  public LeaseStore(Db db) {
    this.db = db;
  }

  /** A lease with the VMs it holds. */
  public record Lease(LeaseRow lease, List<VmRow> vms) {}

  /**
   * Claims {@code counts} (pool → VMs) in one short transaction: either every VM is leased to the
   * new lease or none is. Throws {@link PoolShortException} naming the first pool that is short.
   * Each pool costs one indexed read of n rows and one update, however many VMs are ready.
   */
  public Lease claim(String leaseId, String owner, Map<String, Integer> counts, Instant now, Duration lifetime) {
    return db.inTransaction(
        session -> {
          LeaseMapper leases = session.getMapper(LeaseMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          LeaseRow lease =
              new LeaseRow(leaseId, LeaseRow.ACTIVE, owner, now, now.plus(lifetime), null, null);
          leases.insert(lease);
          List<VmRow> leased = new ArrayList<>();
          for (Map.Entry<String, Integer> want : counts.entrySet()) {
            List<VmRow> ready = vms.lockReady(want.getKey(), want.getValue());
            if (ready.size() < want.getValue()) {
              // Throwing skips the commit, so the lease row and earlier pools' VMs roll back.
              throw new PoolShortException(want.getKey(), want.getValue(), ready.size());
            }
            // The rows are locked by this transaction, so the update changes exactly these.
            vms.markLeased(ready.stream().map(VmRow::id).toList(), leaseId, now);
            ready.forEach(vm -> leased.add(vm.leasedTo(leaseId, now)));
          }
          return new Lease(lease, leased);
        });
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
}
