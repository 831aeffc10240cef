package dev.corral.activities.store;

import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ibatis.session.SqlSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for lease claims. Callers queue their claim and wait; one committer thread claims
 * everything that queued while its previous transaction ran, in ONE transaction: per pool one
 * {@code SELECT … LIMIT total FOR UPDATE SKIP LOCKED}, the VMs handed out in arrival order, one
 * multi-row lease INSERT and one VM UPDATE. There is no waiting for a batch to fill: under light
 * load a batch is one claim, under heavy load the statements, parsing and commit are shared by
 * many.
 *
 * <p>In pools with {@code reuse: same_owner} a claim by an owner takes that owner's reusable VMs
 * first ({@link VmMapper#lockReusable}, one read per pool and owner of the batch), then ready ones;
 * the rules are in memory ({@link ReuseRules}), so claims in other pools read nothing more.
 *
 * <p>Each claim keeps its own all-or-nothing: a claim that one of its pools cannot fully serve
 * fails with {@link PoolShortException} and gets nothing, while the rest of its batch commits. A
 * database failure fails every claim of the batch with that failure. Deadlocks are retried by
 * {@link Db#inTransaction}, which reruns the whole allocation.
 */
final class ClaimCommitter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClaimCommitter.class);

  /** Most claims per transaction. */
  static final int MAX_BATCH = 64;

  /**
   * Most VMs per transaction, to bound the UPDATE's size; a single larger claim still runs alone.
   */
  static final int MAX_BATCH_VMS = 1_000;

  /** One queued claim and the future its caller waits on. */
  private record Claim(LeaseClaim request, CompletableFuture<List<LeaseStore.Lease>> result) {
    int vms() {
      return request.vms();
    }

    Map<String, Integer> counts() {
      return request.counts();
    }
  }

  private final Db db;
  private final Supplier<ReuseRules> reuseRules;
  private final Object lock = new Object();
  private final ArrayDeque<Claim> queue = new ArrayDeque<>(); // guarded by lock
  private boolean closed; // guarded by lock
  private Thread committer; // guarded by lock; started by the first claim
  private long batchesStarted; // guarded by lock

  ClaimCommitter(Db db, Supplier<ReuseRules> reuseRules) {
    this.db = db;
    this.reuseRules = reuseRules;
  }

  List<LeaseStore.Lease> claim(LeaseClaim request) {
    Claim claim = new Claim(request, new CompletableFuture<>());
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException(
            "lease claims are closed (Corral is stopping); nothing was leased");
      }
      if (committer == null) {
        committer = new Thread(this::commitLoop, "lease-committer");
        committer.setDaemon(true);
        committer.start();
      }
      queue.add(claim);
      lock.notifyAll();
    }
    try {
      return claim.result().join();
    } catch (CompletionException e) {
      // Rethrown as it was thrown, so callers see PoolShortException or the database's own error.
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private void commitLoop() {
    while (true) {
      List<Claim> batch = new ArrayList<>();
      synchronized (lock) {
        while (queue.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            // Only close() interrupts; it also sets closed.
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        int vms = 0;
        while (!queue.isEmpty()
            && batch.size() < MAX_BATCH
            && (batch.isEmpty() || vms + queue.peek().vms() <= MAX_BATCH_VMS)) {
          Claim next = queue.poll();
          vms += next.vms();
          batch.add(next);
        }
        batchesStarted++;
      }
      commit(batch);
    }
  }

  /** Claims one batch in one transaction, then completes each claim's future. Never throws. */
  private void commit(List<Claim> batch) {
    Map<Claim, Object> outcomes;
    try {
      outcomes = db.inTransaction(session -> allocate(session, batch));
    } catch (Throwable e) {
      log.error(
          "lease claim transaction for {} request(s) failed; none of them was leased",
          batch.size(),
          e);
      batch.forEach(claim -> claim.result().completeExceptionally(e));
      return;
    }
    for (Claim claim : batch) {
      Object outcome = outcomes.get(claim);
      if (outcome instanceof List<?> leases) {
        @SuppressWarnings("unchecked")
        List<LeaseStore.Lease> granted = (List<LeaseStore.Lease>) leases;
        claim.result().complete(granted);
      } else {
        claim.result().completeExceptionally((RuntimeException) outcome);
      }
    }
  }

  /**
   * The batch's transaction. Returns per claim its list of {@link LeaseStore.Lease} or the
   * exception that refused it ({@link PoolShortException}, {@link QuotaExceededException});
   * side-effect free outside the session, so a deadlock retry may rerun it.
   */
  private Map<Claim, Object> allocate(SqlSession session, List<Claim> batch) {
    VmMapper vms = session.getMapper(VmMapper.class);
    // Pools in name order: every batch takes its row locks pool by pool in the same order.
    Map<String, Integer> wanted = new TreeMap<>();
    for (Claim claim : batch) {
      claim.counts().forEach((pool, n) -> wanted.merge(pool, n, Integer::sum));
    }
    Map<String, ArrayDeque<VmRow>> ready = new HashMap<>();
    wanted.forEach((pool, n) -> ready.put(pool, new ArrayDeque<>(vms.lockReady(pool, n))));
    Map<String, Map<String, ArrayDeque<VmRow>>> held = lockReusable(vms, batch);
    QuotaUsage usage =
        QuotaUsage.read(session, batch.stream().map(c -> c.request().quotas()).toList());

    Map<Claim, Object> outcomes = new IdentityHashMap<>();
    List<LeaseRow> granted = new ArrayList<>();
    List<VmRow> leased = new ArrayList<>();
    for (Claim claim : batch) {
      Map<String, ArrayDeque<VmRow>> own =
          claim.request().owner() == null
              ? Map.of()
              : held.getOrDefault(claim.request().owner(), Map.of());
      RuntimeException refusal = shortage(claim, ready, own);
      if (refusal == null) {
        refusal = usage.refusal(claim.request());
      }
      if (refusal != null) {
        // Checked before taking anything, so a refused claim takes no VM from any of its pools.
        outcomes.put(claim, refusal);
        continue;
      }
      LeaseClaim request = claim.request();
      usage.add(request);
      List<LeaseStore.Lease> leases = new ArrayList<>();
      List<VmRow> mine = new ArrayList<>();
      int next = 0;
      for (Map.Entry<String, Integer> want : request.counts().entrySet()) {
        ArrayDeque<VmRow> rows = ready.get(want.getKey());
        ArrayDeque<VmRow> kept = own.get(want.getKey());
        for (int i = 0; i < want.getValue(); i++) {
          String leaseId = request.leaseIds().get(request.leasePerVm() ? next++ : 0);
          VmRow vm = kept != null && !kept.isEmpty() ? kept.poll() : rows.poll();
          mine.add(vm.leasedTo(leaseId, request.now()));
        }
      }
      if (request.leasePerVm()) {
        for (int i = 0; i < mine.size(); i++) {
          LeaseRow lease = row(request, request.leaseIds().get(i));
          granted.add(lease);
          leases.add(new LeaseStore.Lease(lease, List.of(mine.get(i))));
        }
      } else {
        LeaseRow lease = row(request, request.leaseIds().get(0));
        granted.add(lease);
        leases.add(new LeaseStore.Lease(lease, mine));
      }
      leased.addAll(mine);
      outcomes.put(claim, leases);
    }
    if (!granted.isEmpty()) {
      session.getMapper(LeaseMapper.class).insertAll(granted);
      // The rows are locked by this transaction, so the update changes exactly these.
      int changed = vms.markLeasedAll(leased);
      if (changed != leased.size()) {
        throw new IllegalStateException(
            "leased " + changed + " of " + leased.size() + " locked VMs; rolled back");
      }
    }
    return outcomes;
  }

  /**
   * Owner → pool → the owner's reusable VMs, locked, for the owners that claim in reuse pools in
   * this batch. Empty, without a query, when no claim of the batch is an owner's in a reuse pool.
   */
  private Map<String, Map<String, ArrayDeque<VmRow>>> lockReusable(
      VmMapper vms, List<Claim> batch) {
    ReuseRules reuse = reuseRules.get();
    if (reuse.isEmpty()) {
      return Map.of();
    }
    Map<String, Map<String, Integer>> wanted =
        new TreeMap<>(); // owner -> pool -> VMs, in lock order
    for (Claim claim : batch) {
      String owner = claim.request().owner();
      if (owner != null) {
        claim
            .counts()
            .forEach(
                (pool, n) -> {
                  if (reuse.of(pool) != null) {
                    wanted
                        .computeIfAbsent(owner, o -> new TreeMap<>())
                        .merge(pool, n, Integer::sum);
                  }
                });
      }
    }
    Map<String, Map<String, ArrayDeque<VmRow>>> held = new HashMap<>();
    wanted.forEach(
        (owner, pools) ->
            pools.forEach(
                (pool, n) -> {
                  List<VmRow> rows = vms.lockReusable(pool, owner, n);
                  if (!rows.isEmpty()) {
                    held.computeIfAbsent(owner, o -> new HashMap<>())
                        .put(pool, new ArrayDeque<>(rows));
                  }
                }));
    return held;
  }

  /**
   * The first pool the claim cannot be served from: its owner's reusable VMs plus the ready ones.
   */
  private static PoolShortException shortage(
      Claim claim, Map<String, ArrayDeque<VmRow>> ready, Map<String, ArrayDeque<VmRow>> own) {
    for (Map.Entry<String, Integer> want : claim.counts().entrySet()) {
      ArrayDeque<VmRow> kept = own.get(want.getKey());
      int left = ready.get(want.getKey()).size() + (kept == null ? 0 : kept.size());
      if (left < want.getValue()) {
        return new PoolShortException(want.getKey(), want.getValue(), left);
      }
    }
    return null;
  }

  static LeaseRow row(LeaseClaim request, String id) {
    return LeaseRow.active(
        id,
        request.owner(),
        request.tags(),
        request.requestId(),
        request.origin(),
        request.now(),
        request.now().plus(request.lifetime()));
  }

  int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }

  long batchesStarted() {
    synchronized (lock) {
      return batchesStarted;
    }
  }

  /** Refuses new claims, fails the queued ones, and lets a running transaction finish. */
  @Override
  public void close() {
    Thread running;
    List<Claim> dropped;
    synchronized (lock) {
      closed = true;
      dropped = new ArrayList<>(queue);
      queue.clear();
      running = committer;
      lock.notifyAll();
    }
    IllegalStateException stopping =
        new IllegalStateException(
            "Corral is stopping; the lease was not claimed and nothing was leased");
    dropped.forEach(claim -> claim.result().completeExceptionally(stopping));
    if (running != null) {
      try {
        running.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
