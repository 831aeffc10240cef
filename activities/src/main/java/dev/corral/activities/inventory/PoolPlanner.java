package dev.corral.activities.inventory;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.LeaseMapper;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.VmTemplateMapper;
import dev.corral.activities.store.rows.FailureStreak;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.TemplateCount;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.VmRetirement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.ibatis.session.SqlSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Works out, from the inventory alone, what a pool's shepherd should do next. */
public final class PoolPlanner {
  private static final Logger log = LoggerFactory.getLogger(PoolPlanner.class);

  /** A destroy not confirmed after this long is asked for again, in case its signal was lost. */
  static final Duration STALE_DESTROY = Duration.ofMinutes(2);

  /**
   * A VM cleaning for reuse this long (far beyond its cleanup tries) lost its signal: destroy it.
   */
  static final Duration STALE_CLEANING = Duration.ofMinutes(30);

  /** A reusable VM this long past its deadline missed its workflow's timer: destroy it. */
  static final Duration REUSABLE_GRACE = Duration.ofMinutes(1);

  /**
   * After consecutive failed VMs a pool waits 5 s, 10 s, 20 s ... up to 5 min before cloning again.
   */
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);

  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final Db db;
  private final Clock clock;
  private final Duration pollInterval;

  public PoolPlanner(Db db, Clock clock, Duration pollInterval) {
    this.db = db;
    this.clock = clock;
    this.pollInterval = pollInterval;
  }

  public PoolPlan plan(String poolName) {
    Instant now = clock.instant();
    // lease id -> its VMs' names, logged once the transaction that ended them committed
    Map<String, String> expired = new java.util.LinkedHashMap<>();
    PoolPlan plan =
        db.inTransaction(
            session -> {
              expired.clear();
              PoolMapper pools = session.getMapper(PoolMapper.class);
              VmMapper vms = session.getMapper(VmMapper.class);
              LeaseMapper leases = session.getMapper(LeaseMapper.class);
              PoolRow pool = pools.selectByName(poolName);
              if (pool == null) {
                return new PoolPlan(poolName, 0, List.of(), pollInterval, true);
              }
              List<VmRetirement> retire =
                  new ArrayList<>(endExpiredLeases(poolName, now, leases, vms, expired));
              int toProvision = 0;
              if (!pool.active()) {
                // Nobody can lease from a removed pool, so VMs held for an owner's reuse go too.
                vms.namesInStates(
                        poolName,
                        List.of(
                            VmStates.READY,
                            VmStates.PROVISIONING,
                            VmStates.CLEANING,
                            VmStates.REUSABLE))
                    .forEach(
                        name -> retire.add(new VmRetirement(name, "pool removed from config")));
              } else {
                toProvision = planActive(session, pool, now, retire);
              }
              Instant retryAt = backoffUntil(vms.failureStreak(poolName));
              if (toProvision > 0 && retryAt != null && now.isBefore(retryAt)) {
                // A broken template or provider would otherwise be cloned again and again without
                // pause.
                toProvision = 0;
              }
              for (VmRow vm :
                  vms.staleReuse(poolName, now.minus(STALE_CLEANING), now.minus(REUSABLE_GRACE))) {
                retire.add(
                    new VmRetirement(
                        vm.name(),
                        VmStates.CLEANING.equals(vm.state())
                            ? "cleanup for reuse did not finish"
                            : "not leased again by its owner within reuse_within"));
              }
              List<String> lostDestroys = vms.staleDestroying(poolName, now.minus(STALE_DESTROY));
              if (!lostDestroys.isEmpty()) {
                vms.touch(lostDestroys, now);
                lostDestroys.forEach(
                    name -> retire.add(new VmRetirement(name, "destroy requested again")));
              }
              // Only a removed pool can be drained; an active pool's pass needs no full count of
              // its VMs.
              boolean drained =
                  !pool.active()
                      && byState(vms.countLiveInPool(poolName)).values().stream()
                              .mapToInt(Integer::intValue)
                              .sum()
                          == 0;
              Duration recheck = recheckAfter(pool, now, vms, leases);
              if (retryAt != null && now.isBefore(retryAt)) {
                recheck = min(recheck, Duration.between(now, retryAt));
              }
              return new PoolPlan(poolName, toProvision, retire, recheck, drained);
            });
    expired.forEach(
        (lease, vmNames) ->
            EventLog.info(
                log,
                "lease expired: lifetime ended",
                EventLog.LEASE,
                lease,
                EventLog.VM,
                vmNames,
                EventLog.POOL,
                poolName));
    return plan;
  }

  /**
   * Retirements and the number of VMs to clone for an active pool. VMs cloned from the pool's
   * current templates ({@link PoolTemplates}) fill it to {@code size} plus what its pending leases
   * still miss; ready VMs of older templates are kept only while they cover current ones not ready
   * yet, then drained oldest first, so the pool does not drop below {@code size} ready VMs while it
   * switches templates. VMs of unusable templates go at once.
   */
  private int planActive(SqlSession session, PoolRow pool, Instant now, List<VmRetirement> retire) {
    VmMapper vms = session.getMapper(VmMapper.class);
    VmTemplateMapper byTemplate = session.getMapper(VmTemplateMapper.class);
    Map<String, String> current = PoolTemplates.current(session, pool);
    List<TemplateCount> rows = byTemplate.countByTemplate(pool.name());
    TemplateCounts counts = TemplateCounts.of(rows, current);
    PoolDemand demand = PoolDemand.read(session, pool.name(), current, rows, now);
    // Ready VMs of a build that waiting leases asked for are theirs: neither stand-ins nor drained.
    counts.readyOld -= demand.readyKept(rows, current);
    Set<String> going = new HashSet<>();
    for (String name : byTemplate.readyOnUnusableTemplates(pool.name())) {
      if (going.add(name)) {
        retire.add(new VmRetirement(name, "its template is unusable"));
      }
    }
    for (String name : vms.readyNames(pool.name(), now.minusSeconds(pool.readyTtlS()), 10_000)) {
      if (going.add(name)) {
        retire.add(new VmRetirement(name, "ready_ttl passed"));
      }
    }
    if (!going.isEmpty()) {
      // Which template each leaving VM came from decides which count it leaves.
      for (VmRow vm : vms.selectByNames(new ArrayList<>(going))) {
        counts.leaving(vm.provider(), vm.template(), demand.keptTemplates());
      }
    }
    // Pending leases wait for VMs beyond the ready stock: the pool grows by what they still miss.
    int target = pool.size() + demand.forCurrent();
    int surplus = counts.readyCurrent + counts.provisioningCurrent - target;
    if (surplus > 0) {
      List<String> names =
          byTemplate
              .readyNames(pool.name(), current, true, Set.of(), surplus + going.size())
              .stream()
              .filter(name -> !going.contains(name))
              .limit(surplus)
              .toList();
      names.forEach(name -> retire.add(new VmRetirement(name, "pool size reduced")));
      going.addAll(names);
      counts.readyCurrent -= names.size();
    }
    int toProvisionCurrent =
        current.isEmpty()
            ? 0
            : Math.max(0, target - counts.readyCurrent - counts.provisioningCurrent);
    int toProvision = toProvisionCurrent + demand.toClone();
    // Old-template VMs stand in for current ones that are not ready yet, and no longer.
    int keepOld = Math.max(0, target - counts.readyCurrent);
    int drainOld = Math.max(0, counts.readyOld - keepOld);
    if (drainOld == 0
        && counts.readyOld > 0
        && toProvisionCurrent > 0
        && counts.provisioningCurrent == 0
        && noRoom(session, current.keySet(), vms)) {
      // The providers are full: without freeing one old VM the pool could never move to its new
      // template.
      drainOld = 1;
    }
    if (drainOld > 0) {
      List<String> names =
          byTemplate
              .readyNames(
                  pool.name(), current, false, demand.keptTemplates(), drainOld + going.size())
              .stream()
              .filter(name -> !going.contains(name))
              .limit(drainOld)
              .toList();
      names.forEach(name -> retire.add(new VmRetirement(name, "replaced by a newer template")));
      going.addAll(names);
    }
    return toProvision;
  }

  private static boolean noRoom(SqlSession session, Set<String> providers, VmMapper vms) {
    for (ProviderRow provider : session.getMapper(ProviderMapper.class).selectAll()) {
      if (providers.contains(provider.name()) && provider.active()) {
        int live =
            byState(vms.countLiveOnProvider(provider.name())).values().stream()
                .mapToInt(Integer::intValue)
                .sum();
        if (live < provider.maxVms()) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Ready and provisioning VMs of a pool, split into those of its current templates and older ones.
   */
  static final class TemplateCounts {
    private final Map<String, String> current;
    int readyCurrent;
    int readyOld;
    int provisioningCurrent;

    private TemplateCounts(Map<String, String> current) {
      this.current = current;
    }

    static TemplateCounts of(List<TemplateCount> rows, Map<String, String> current) {
      TemplateCounts counts = new TemplateCounts(current);
      for (TemplateCount row : rows) {
        boolean isCurrent = counts.isCurrent(row.provider(), row.template());
        if (VmStates.READY.equals(row.state())) {
          if (isCurrent) {
            counts.readyCurrent += row.count();
          } else {
            counts.readyOld += row.count();
          }
        } else if (VmStates.PROVISIONING.equals(row.state()) && isCurrent) {
          counts.provisioningCurrent += row.count();
        }
      }
      return counts;
    }

    boolean isCurrent(String provider, String template) {
      return template != null && template.equals(current.get(provider));
    }

    /**
     * A ready VM leaves the pool. One of a former template kept for waiting leases ({@code kept})
     * was never counted in {@code readyOld}.
     */
    void leaving(String provider, String template, Set<String> kept) {
      if (isCurrent(provider, template)) {
        readyCurrent--;
      } else if (!kept.contains(template)) {
        readyOld--;
      }
    }
  }

  /** When a pool with failed VMs and no success since may clone again, or null when it may now. */
  static Instant backoffUntil(FailureStreak streak) {
    if (streak == null || streak.failures() == 0 || streak.lastFailureAt() == null) {
      return null;
    }
    int doublings = Math.min(streak.failures() - 1, 10);
    Duration backoff = FIRST_BACKOFF.multipliedBy(1L << doublings);
    return streak.lastFailureAt().plus(backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff);
  }

  private static List<VmRetirement> endExpiredLeases(
      String pool, Instant now, LeaseMapper leases, VmMapper vms, Map<String, String> expired) {
    List<VmRetirement> retire = new ArrayList<>();
    for (String leaseId : leases.expiredHoldingPool(pool, now)) {
      if (leases.end(leaseId, LeaseRow.EXPIRED, "lifetime ended", now) == 1) {
        vms.markLeaseDestroying(leaseId, "lease expired", now);
        List<VmRow> held = vms.selectByLease(leaseId);
        expired.put(leaseId, held.stream().map(VmRow::name).collect(Collectors.joining(",")));
        for (VmRow vm : held) {
          if (VmStates.DESTROYING.equals(vm.state())) {
            retire.add(new VmRetirement(vm.name(), "lease expired"));
          }
        }
      }
    }
    return retire;
  }

  /**
   * The next deadline in this pool (a ready_ttl or a lease expiry), never later than the poll
   * interval.
   */
  private Duration recheckAfter(PoolRow pool, Instant now, VmMapper vms, LeaseMapper leases) {
    Duration wait = pollInterval;
    Instant oldestReady = vms.oldestReadyAt(pool.name());
    if (oldestReady != null) {
      wait = min(wait, Duration.between(now, oldestReady.plusSeconds(pool.readyTtlS())));
    }
    Instant nextExpiry = leases.nextExpiryHoldingPool(pool.name());
    if (nextExpiry != null) {
      wait = min(wait, Duration.between(now, nextExpiry));
    }
    Duration floor = Duration.ofMillis(200);
    return wait.compareTo(floor) < 0 ? floor : wait;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  static Map<String, Integer> byState(List<StateCount> counts) {
    return counts.stream()
        .collect(Collectors.toMap(StateCount::state, StateCount::count, Integer::sum));
  }
}
