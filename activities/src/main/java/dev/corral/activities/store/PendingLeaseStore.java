package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.LeaseWaitRow;
import dev.corral.activities.store.rows.PoolDemandRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.workflows.model.LeaseFill;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.ibatis.exceptions.PersistenceException;
import org.apache.ibatis.session.SqlSession;

/**
 * Pending leases in the database: created in one transaction, filled VM by VM, failed or cancelled
 * with their held VMs going back to ready. Every change locks the lease row first and acts only
 * while the lease is pending, so a retried or concurrent call changes nothing twice. No Temporal
 * call here.
 */
public final class PendingLeaseStore {
  public static final String PENDING = "pending";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  private final Db db;

  public PendingLeaseStore(Db db) {
    this.db = db;
  }

  /**
   * A pending lease as asked: {@code demand} rows in the order the client named them. {@code
   * quotas} are the owner's limits (empty for none): a pending lease reserves its whole demand
   * against them when it is made, so filling it later never goes over.
   */
  public record NewPendingLease(
      String id,
      String owner,
      List<LeaseDemandRow> demand,
      Instant now,
      Instant waitUntil,
      Duration lifetime,
      String requestId,
      String origin,
      List<LeaseQuota> quotas) {
    public NewPendingLease {
      quotas = List.copyOf(quotas);
    }
  }

  /** A pending (or once pending) lease with what it asked for and the VMs it holds. */
  public record PendingLease(
      LeaseRow lease, LeaseWaitRow waiting, List<LeaseDemandRow> demand, List<VmRow> vms) {}

  /** Why a pool cannot serve a pending lease yet. */
  public record Shortage(
      String pool,
      int wanted,
      int held,
      int ready,
      int provisioning,
      boolean providersAtCapacity) {}

  /** A request id that an earlier pending lease of the same owner already used. */
  public static final class DuplicateRequestException extends RuntimeException {
    private final String leaseId;

    public DuplicateRequestException(String requestId, String leaseId) {
      super("request_id '" + requestId + "' was already used");
      this.leaseId = leaseId;
    }

    public String leaseId() {
      return leaseId;
    }
  }

  public void create(NewPendingLease lease) {
    try {
      db.inTransaction(
          session -> {
            PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
            if (lease.requestId() != null) {
              String earlier =
                  mapper.leaseIdOfRequest(requestOwner(lease.owner()), lease.requestId());
              if (earlier != null) {
                throw new DuplicateRequestException(lease.requestId(), earlier);
              }
            }
            if (!lease.quotas().isEmpty()) {
              Map<String, Integer> perPool = new LinkedHashMap<>();
              lease.demand().forEach(d -> perPool.merge(d.pool(), d.wanted(), Integer::sum));
              QuotaExceededException refusal =
                  QuotaUsage.read(session, List.of(lease.quotas()))
                      .refusal(lease.quotas(), perPool);
              if (refusal != null) {
                throw refusal;
              }
            }
            mapper.insertPendingLease(lease.id(), lease.owner(), lease.now(), lease.waitUntil());
            mapper.insertWait(
                new LeaseWaitRow(
                    lease.id(),
                    lease.waitUntil(),
                    lease.lifetime().toSeconds(),
                    lease.requestId(),
                    lease.origin(),
                    null),
                requestOwner(lease.owner()));
            mapper.insertDemand(lease.demand());
            return null;
          });
    } catch (PersistenceException e) {
      // Two requests of one owner with the same id at once: the unique key lets only one through.
      String earlier =
          lease.requestId() == null
              ? null
              : db.inTransaction(
                  s ->
                      s.getMapper(PendingLeaseMapper.class)
                          .leaseIdOfRequest(requestOwner(lease.owner()), lease.requestId()));
      if (earlier != null && !earlier.equals(lease.id())) {
        throw new DuplicateRequestException(lease.requestId(), earlier);
      }
      throw e;
    }
  }

  public Optional<PendingLease> find(String leaseId) {
    return db.inTransaction(
        session -> {
          PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
          LeaseWaitRow wait = mapper.selectWait(leaseId);
          LeaseRow lease = session.getMapper(LeaseMapper.class).selectById(leaseId);
          if (wait == null || lease == null) {
            return Optional.<PendingLease>empty();
          }
          return Optional.of(
              new PendingLease(
                  lease,
                  wait,
                  mapper.selectDemand(leaseId),
                  session.getMapper(VmMapper.class).selectByLease(leaseId)));
        });
  }

  /**
   * The lease that {@code owner} (null: anonymous) made with this request id; another owner's is
   * not found.
   */
  public Optional<String> leaseIdOfRequest(String owner, String requestId) {
    return Optional.ofNullable(
        db.inTransaction(
            s ->
                s.getMapper(PendingLeaseMapper.class)
                    .leaseIdOfRequest(requestOwner(owner), requestId)));
  }

  /**
   * Request ids are the client's names, unique per owner: two users may both call a request
   * 'ci-build-4711'. Anonymous requests share one space, '' (not NULL, which a unique key would let
   * repeat).
   */
  private static String requestOwner(String owner) {
    return owner == null ? "" : owner;
  }

  /**
   * One claim pass, in one short transaction: per pool, the ready VMs left after older pending
   * leases of the pool are served go to this lease, up to what it still misses; when it misses
   * nothing the lease becomes active with {@code expires_at = now + lifetime}.
   */
  public LeaseFill fill(String leaseId, Instant now) {
    return db.inTransaction(
        session -> {
          PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          String state = mapper.lockLeaseState(leaseId);
          if (!PENDING.equals(state)) {
            return new LeaseFill(leaseId, state == null ? "unknown" : state, 0, null);
          }
          Instant createdAt = mapper.createdAt(leaseId);
          List<LeaseDemandRow> demand = mapper.selectDemand(leaseId);
          Map<String, Integer> missing = missing(demand, vms.selectByLease(leaseId));
          // A lease by build asks each pool for VMs of one template only (on one provider, if
          // named).
          Map<String, LeaseDemandRow> byBuild = new java.util.HashMap<>();
          demand.stream().filter(d -> d.template() != null).forEach(d -> byBuild.put(d.pool(), d));
          List<VmRow> taken = new ArrayList<>();
          int outstanding = 0;
          for (Map.Entry<String, Integer> want : missing.entrySet()) {
            String pool = want.getKey();
            int need = want.getValue();
            if (need == 0) {
              continue;
            }
            LeaseDemandRow build = byBuild.get(pool);
            String template = build == null ? null : build.template();
            // Older leases come first, but only those that compete for the same VMs: a lease of
            // any VM does not hold back one for a build's clones, nor the other way round.
            int older =
                Math.max(
                    0,
                    mapper.outstanding(
                        pool,
                        now,
                        leaseId,
                        createdAt,
                        template,
                        build == null ? null : build.provider()));
            List<VmRow> ready =
                template == null
                    ? vms.lockReady(pool, need + older)
                    : vms.lockReadyOfTemplate(pool, template, build.provider(), need + older);
            int take = Math.max(0, Math.min(need, ready.size() - older));
            // The oldest ready VMs stay for the older leases, whose own passes take them.
            for (VmRow vm : ready.subList(ready.size() - take, ready.size())) {
              taken.add(vm.leasedTo(leaseId, now));
            }
            outstanding += need - take;
          }
          if (!taken.isEmpty() && vms.markLeasedAll(taken) != taken.size()) {
            throw new IllegalStateException(
                "held fewer VMs than were locked for lease " + leaseId + "; rolled back");
          }
          if (outstanding > 0) {
            return new LeaseFill(leaseId, PENDING, outstanding, null);
          }
          long lifetimeS = mapper.selectWait(leaseId).lifetimeS();
          mapper.activate(leaseId, now.plusSeconds(lifetimeS));
          return new LeaseFill(leaseId, LeaseRow.ACTIVE, 0, null);
        });
  }

  /**
   * Fails a pending lease, naming what was short, and puts its held VMs back; a no-op otherwise.
   */
  public LeaseFill fail(String leaseId, Instant now) {
    return db.inTransaction(
        session -> {
          PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
          String state = mapper.lockLeaseState(leaseId);
          if (!PENDING.equals(state)) {
            return new LeaseFill(leaseId, state == null ? "unknown" : state, 0, null);
          }
          List<Shortage> shortages = shortages(session, leaseId);
          int outstanding = shortages.stream().mapToInt(s -> s.wanted() - s.held()).sum();
          LeaseWaitRow wait = mapper.selectWait(leaseId);
          Duration waited = Duration.between(mapper.createdAt(leaseId), wait.waitUntil());
          String reason =
              truncate(
                  "the wait of "
                      + waited.toSeconds()
                      + "s ran out with "
                      + outstanding
                      + " VM(s) missing: "
                      + explain(shortages)
                      + "; the held VMs went back to their pools",
                  1000);
          mapper.endPending(leaseId, FAILED, truncate(reason, 255), now);
          mapper.setFailReason(leaseId, reason);
          mapper.releaseHeld(leaseId, now);
          return new LeaseFill(leaseId, FAILED, outstanding, reason);
        });
  }

  /**
   * Cancels a pending lease: its held VMs go back to ready. Returns the state the lease had, so the
   * caller can release an already active one the ordinary way; empty when there is no such lease.
   */
  public Optional<String> cancelPending(String leaseId, String reason, Instant now) {
    return db.inTransaction(
        session -> {
          PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
          String state = mapper.lockLeaseState(leaseId);
          if (PENDING.equals(state)) {
            mapper.endPending(leaseId, CANCELLED, reason, now);
            mapper.releaseHeld(leaseId, now);
          }
          return Optional.ofNullable(state);
        });
  }

  /** Per pool of a pending lease: what it wants and holds, and what the pool has under way. */
  public List<Shortage> shortages(String leaseId) {
    return db.inTransaction(session -> shortages(session, leaseId));
  }

  /**
   * What the pool's waiting leases still miss, lease by lease (the shepherd provisions it beyond
   * size).
   */
  public static List<PoolDemandRow> demandOf(SqlSession session, String pool, Instant now) {
    return session.getMapper(PendingLeaseMapper.class).demandOfPool(pool, now);
  }

  /** Pending leases wanting VMs of the pool, oldest first. */
  public List<String> pendingForPool(String pool, int limit) {
    return db.inTransaction(s -> s.getMapper(PendingLeaseMapper.class).pendingForPool(pool, limit));
  }

  public List<LeaseWaitRow> allPending() {
    return db.inTransaction(s -> s.getMapper(PendingLeaseMapper.class).allPending());
  }

  private static List<Shortage> shortages(SqlSession session, String leaseId) {
    PendingLeaseMapper mapper = session.getMapper(PendingLeaseMapper.class);
    VmMapper vms = session.getMapper(VmMapper.class);
    Map<String, Integer> wanted = new TreeMap<>();
    mapper.selectDemand(leaseId).forEach(d -> wanted.merge(d.pool(), d.wanted(), Integer::sum));
    Map<String, Integer> held = new TreeMap<>();
    vms.selectByLease(leaseId).forEach(vm -> held.merge(vm.pool(), 1, Integer::sum));
    List<Shortage> out = new ArrayList<>();
    wanted.forEach(
        (pool, n) -> {
          PoolRoom room = PoolRoom.read(session, pool);
          out.add(
              new Shortage(
                  pool,
                  n,
                  held.getOrDefault(pool, 0),
                  room.ready(),
                  room.provisioning(),
                  room.atCapacity()));
        });
    return out;
  }

  /** "pool a short by 2 (1 ready for older requests, 1 provisioning, providers at capacity)". */
  public static String explain(List<Shortage> shortages) {
    List<String> parts = new ArrayList<>();
    for (Shortage s : shortages) {
      int missing = s.wanted() - s.held();
      if (missing <= 0) {
        continue;
      }
      parts.add(
          "pool "
              + s.pool()
              + " short by "
              + missing
              + " of "
              + s.wanted()
              + " ("
              + s.provisioning()
              + " provisioning, "
              + s.ready()
              + " ready, providers "
              + (s.providersAtCapacity() ? "at capacity" : "have room")
              + ")");
    }
    return parts.isEmpty() ? "nothing" : String.join("; ", parts);
  }

  private static Map<String, Integer> missing(List<LeaseDemandRow> demand, List<VmRow> held) {
    Map<String, Integer> missing = new TreeMap<>();
    demand.forEach(d -> missing.merge(d.pool(), d.wanted(), Integer::sum));
    for (VmRow vm : held) {
      if (VmStates.LEASED.equals(vm.state())) {
        missing.computeIfPresent(vm.pool(), (pool, n) -> Math.max(0, n - 1));
      }
    }
    return missing;
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }
}
