package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.config.CorralConfig;
import dev.corral.config.Reloadable;
import dev.corral.workflows.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases in the database: the claim, reads, and ending a lease. No Temporal call happens here. In
 * pools with {@code reuse: same_owner} ({@link ReuseRules}) a released VM is held for its owner
 * (cleaning, then reusable) instead of destroyed, and that owner's claims take it first.
 */
public final class LeaseStore implements AutoCloseable, Reloadable {
  private static final Logger log = LoggerFactory.getLogger(LeaseStore.class);
  private final Db db;
  private volatile ReuseRules reuse; // a reload may change which pools keep VMs for their owners
  private final ClaimCommitter committer;

  /** A store whose released VMs are always destroyed. */
  public LeaseStore(Db db) {
    this(db, ReuseRules.NONE);
  }

  public LeaseStore(Db db, ReuseRules reuse) {
    this.db = db;
    this.reuse = reuse;
    this.committer = new ClaimCommitter(db, () -> this.reuse);
  }

  @Override
  public void reload(CorralConfig config) {
    this.reuse = ReuseRules.of(config.pools());
  }

  /** A lease with the VMs it holds. */
  public record Lease(LeaseRow lease, List<VmRow> vms) {}

  /**
   * Claims {@code counts} (pool → VMs): either every VM is leased to the new lease or none is.
   * Throws {@link PoolShortException} naming the first pool that is short. Concurrent claims share
   * one transaction ({@link ClaimCommitter}); each pool costs one indexed read and one update per
   * batch, however many VMs are ready.
   */
  public Lease claim(
      String leaseId, String owner, Map<String, Integer> counts, Instant now, Duration lifetime) {
    return claim(LeaseClaim.single(leaseId, owner, counts, now, lifetime)).get(0);
  }

  /**
   * Claims all of {@code request} or nothing: one lease, or one per VM when the request names one
   * id per VM. Throws {@link PoolShortException} or {@link QuotaExceededException} when refused.
   */
  public List<Lease> claim(LeaseClaim request) {
    List<Lease> leases = committer.claim(request);
    leases.forEach(lease -> logCreated(lease, "lease created"));
    return leases;
  }

  private static void logCreated(Lease lease, String what) {
    EventLog.info(
        log,
        what + ", expires " + lease.lease().expiresAt(),
        EventLog.LEASE,
        lease.lease().id(),
        EventLog.VM,
        names(lease.vms()),
        EventLog.POOL,
        pools(lease.vms()),
        EventLog.OWNER,
        lease.lease().owner());
  }

  /**
   * Claims {@code request.count()} ready VMs of one build from any of its pools, in one transaction
   * of its own: a batch of the committer reads per pool, and this claim's filter (the build's
   * templates) cannot share those reads. Rows are locked skipping those other claims hold, so the
   * two never take the same VM. Throws {@link BuildShortException} or {@link
   * QuotaExceededException} when refused; nothing is leased then.
   */
  public Lease claimBuild(BuildClaim request) {
    Lease lease =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              List<VmRow> ready =
                  request.pools().isEmpty() || request.templates().isEmpty()
                      ? List.<VmRow>of()
                      : vms.lockReadyOfBuild(request.pools(), request.templates(), request.count());
              if (ready.size() < request.count()) {
                throw new BuildShortException(request.count(), ready.size());
              }
              Map<String, Integer> perPool = new java.util.LinkedHashMap<>();
              ready.forEach(vm -> perPool.merge(vm.pool(), 1, Integer::sum));
              LeaseClaim claim =
                  new LeaseClaim(
                      List.of(request.leaseId()),
                      perPool,
                      request.owner(),
                      request.tags(),
                      null,
                      request.origin(),
                      request.now(),
                      request.lifetime(),
                      request.quotas());
              QuotaExceededException over =
                  QuotaUsage.read(session, List.of(request.quotas())).refusal(claim);
              if (over != null) {
                throw over;
              }
              LeaseRow row = ClaimCommitter.row(claim, request.leaseId());
              session.getMapper(LeaseMapper.class).insertAll(List.of(row));
              List<VmRow> leased =
                  ready.stream().map(vm -> vm.leasedTo(request.leaseId(), request.now())).toList();
              if (vms.markLeasedAll(leased) != leased.size()) {
                throw new IllegalStateException("locked VMs changed under the claim; rolled back");
              }
              return new Lease(row, leased);
            });
    logCreated(lease, "lease created by template");
    return lease;
  }

  /** The VMs' names for a log line: {@code a,b}. */
  static String names(List<VmRow> vms) {
    return vms.stream().map(VmRow::name).collect(Collectors.joining(","));
  }

  /** The VMs' pools, each once, for a log line. */
  static String pools(List<VmRow> vms) {
    return vms.stream().map(VmRow::pool).distinct().collect(Collectors.joining(","));
  }

  public Optional<Lease> find(String leaseId) {
    return db.inTransaction(
        session -> {
          LeaseRow lease = session.getMapper(LeaseMapper.class).selectById(leaseId);
          if (lease == null) {
            return Optional.empty();
          }
          return Optional.of(
              new Lease(lease, session.getMapper(VmMapper.class).selectByLease(leaseId)));
        });
  }

  /**
   * Ends an active lease ({@code released} or {@code expired}) and marks its VMs destroying, or,
   * when released, cleaning for those its owner may get again ({@link #release}). Ending an ended
   * lease changes nothing. Returns the lease as it is now; the caller tells the VMs' workflows
   * ({@code VmWorkflows.released}).
   */
  public Optional<Lease> end(String leaseId, String state, String reason, Instant now) {
    boolean[] ended = {false};
    Optional<Lease> result =
        db.inTransaction(
            session -> {
              LeaseMapper leases = session.getMapper(LeaseMapper.class);
              VmMapper vms = session.getMapper(VmMapper.class);
              ended[0] = false;
              if (leases.end(leaseId, state, reason, now) == 1) {
                ended[0] = true;
                if (LeaseRow.RELEASED.equals(state) && !reuse.isEmpty()) {
                  String owner = leases.selectById(leaseId).owner();
                  for (VmRow vm : vms.selectByLease(leaseId)) {
                    if (VmStates.LEASED.equals(vm.state())) {
                      release(vms, vm, owner, "lease " + state, now);
                    }
                  }
                }
                vms.markLeaseDestroying(leaseId, "lease " + state, now);
              }
              LeaseRow lease = leases.selectById(leaseId);
              return lease == null
                  ? Optional.<Lease>empty()
                  : Optional.of(new Lease(lease, vms.selectByLease(leaseId)));
            });
    if (ended[0] && result.isPresent()) {
      logEnded(result.get(), reason);
    }
    return result;
  }

  private static void logEnded(Lease lease, String reason) {
    EventLog.info(
        log,
        "lease " + lease.lease().state() + ": " + reason,
        EventLog.LEASE,
        lease.lease().id(),
        EventLog.VM,
        names(lease.vms()),
        EventLog.POOL,
        pools(lease.vms()),
        EventLog.OWNER,
        lease.lease().owner());
  }

  /**
   * Newest first; {@code owner} and {@code state} filter when not null. VMs are read in one query.
   */
  public List<Lease> list(String owner, String state, int limit) {
    return db.inTransaction(
        session -> {
          List<LeaseRow> rows =
              session.getMapper(LeaseMapper.class).selectRecent(owner, state, limit);
          if (rows.isEmpty()) {
            return List.<Lease>of();
          }
          Map<String, List<VmRow>> byLease = new java.util.HashMap<>();
          for (VmRow vm :
              session
                  .getMapper(VmMapper.class)
                  .selectByLeases(rows.stream().map(LeaseRow::id).toList())) {
            byLease.computeIfAbsent(vm.leaseId(), id -> new java.util.ArrayList<>()).add(vm);
          }
          return rows.stream()
              .map(r -> new Lease(r, byLease.getOrDefault(r.id(), List.of())))
              .toList();
        });
  }

  /**
   * Sets an active lease's expiry and tags. Returns the lease as it is now (unchanged when it has
   * ended), or empty when there is no such lease.
   */
  public Optional<Lease> updateTerms(String leaseId, Instant expiresAt, String tags) {
    return db.inTransaction(
        session -> {
          LeaseMapper leases = session.getMapper(LeaseMapper.class);
          leases.updateTerms(leaseId, expiresAt, tags);
          LeaseRow lease = leases.selectById(leaseId);
          return lease == null
              ? Optional.<Lease>empty()
              : Optional.of(
                  new Lease(lease, session.getMapper(VmMapper.class).selectByLease(leaseId)));
        });
  }

  /**
   * Gives back one VM of a lease: it goes to destroying (or cleaning, see {@link #release}), and
   * the lease ends (released) when it holds no other VM. Returns the lease as it was before, or
   * empty when the VM is not leased (unknown, ready, already given back): giving back is not
   * repeatable, so a second call is a "not leased".
   */
  public Optional<Lease> releaseVm(String vmName, String reason, Instant now) {
    Optional<Lease> before =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              LeaseMapper leases = session.getMapper(LeaseMapper.class);
              VmRow vm = vms.selectByName(vmName);
              if (vm == null || vm.leaseId() == null || !VmStates.LEASED.equals(vm.state())) {
                return Optional.<Lease>empty();
              }
              String owner = reuse.isEmpty() ? null : leases.selectById(vm.leaseId()).owner();
              if (!release(vms, vm, owner, reason, now)) {
                return Optional.<Lease>empty();
              }
              List<VmRow> held = vms.selectByLease(vm.leaseId());
              boolean othersLeased =
                  held.stream()
                      .anyMatch(v -> !v.name().equals(vmName) && v.state().equals(VmStates.LEASED));
              if (!othersLeased) {
                leases.end(vm.leaseId(), LeaseRow.RELEASED, reason, now);
              }
              return Optional.of(new Lease(leases.selectById(vm.leaseId()), held));
            });
    before.ifPresent(
        lease -> {
          String pool =
              lease.vms().stream()
                  .filter(v -> v.name().equals(vmName))
                  .map(VmRow::pool)
                  .findFirst()
                  .orElse(null);
          EventLog.info(
              log,
              "VM released: " + reason,
              EventLog.VM,
              vmName,
              EventLog.POOL,
              pool,
              EventLog.LEASE,
              lease.lease().id(),
              EventLog.OWNER,
              lease.lease().owner());
          if (!LeaseRow.ACTIVE.equals(lease.lease().state())) {
            logEnded(lease, reason);
          }
        });
    return before;
  }

  /**
   * Ends one leased VM's service, compare-and-set on leased: in a reuse pool, a VM of an owned
   * lease that may serve its owner again ({@link ReuseRules.Rule#keeps}) goes to cleaning, held for
   * the owner until {@code reuse_within} after now; any other VM goes to destroying. Anonymous
   * leases are never reused. Returns false when the VM was no longer leased.
   */
  private boolean release(VmMapper vms, VmRow vm, String owner, String reason, Instant now) {
    ReuseRules.Rule rule = owner == null ? null : reuse.of(vm.pool());
    if (rule != null && rule.keeps(vm.uses(), vm.firstLeaseStart(), now)) {
      return vms.markCleaning(vm.name(), owner, now.plus(rule.within()), now) == 1;
    }
    String why =
        rule == null ? reason : reason + "; not kept for reuse: " + rule.refusal(vm.uses());
    return vms.transition(vm.name(), List.of(VmStates.LEASED), VmStates.DESTROYING, why, now) == 1;
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
