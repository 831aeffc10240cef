package dev.corral.activities.inventory;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.LeaseMapper;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.FailureStreak;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
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

/** Works out, from the inventory alone, what a pool's shepherd should do next. */
public final class PoolPlanner {
  /** A destroy not confirmed after this long is asked for again, in case its signal was lost. */
  static final Duration STALE_DESTROY = Duration.ofMinutes(2);
  /** After consecutive failed VMs a pool waits 5 s, 10 s, 20 s ... up to 5 min before cloning again. */
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
    return db.inTransaction(
        session -> {
          PoolMapper pools = session.getMapper(PoolMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          LeaseMapper leases = session.getMapper(LeaseMapper.class);
          PoolRow pool = pools.selectByName(poolName);
          if (pool == null) {
            return new PoolPlan(poolName, 0, List.of(), pollInterval, true);
          }
          List<VmRetirement> retire = new ArrayList<>(endExpiredLeases(poolName, now, leases, vms));
          Map<String, Integer> counts = byState(vms.countLiveInPool(poolName));
          int ready = counts.getOrDefault(VmStates.READY, 0);
          int provisioning = counts.getOrDefault(VmStates.PROVISIONING, 0);
          int toProvision = 0;
          if (!pool.active()) {
            vms.namesInStates(poolName, List.of(VmStates.READY, VmStates.PROVISIONING))
                .forEach(name -> retire.add(new VmRetirement(name, "pool removed from config")));
          } else {
            Instant staleBefore = now.minusSeconds(pool.readyTtlS());
            List<String> stale = vms.readyNames(poolName, staleBefore, 10_000);
            stale.forEach(name -> retire.add(new VmRetirement(name, "ready_ttl passed")));
            int keptReady = ready - stale.size();
            int surplus = keptReady + provisioning - pool.size();
            if (surplus > 0) {
              Set<String> already = new HashSet<>(stale);
              List<String> surplusNames =
                  vms.readyNames(poolName, null, surplus + stale.size()).stream()
                      .filter(name -> !already.contains(name))
                      .limit(surplus)
                      .toList();
              surplusNames.forEach(name -> retire.add(new VmRetirement(name, "pool size reduced")));
              keptReady -= surplusNames.size();
            }
            toProvision = Math.max(0, pool.size() - keptReady - provisioning);
          }
          Instant retryAt = backoffUntil(vms.failureStreak(poolName));
          if (toProvision > 0 && retryAt != null && now.isBefore(retryAt)) {
            // A broken template or provider would otherwise be cloned again and again without pause.
            toProvision = 0;
          }
          List<String> lostDestroys = vms.staleDestroying(poolName, now.minus(STALE_DESTROY));
          if (!lostDestroys.isEmpty()) {
            vms.touch(lostDestroys, now);
            lostDestroys.forEach(name -> retire.add(new VmRetirement(name, "destroy requested again")));
          }
          int live = counts.values().stream().mapToInt(Integer::intValue).sum();
          boolean drained = !pool.active() && live == 0;
          Duration recheck = recheckAfter(pool, now, vms, leases);
          if (retryAt != null && now.isBefore(retryAt)) {
            recheck = min(recheck, Duration.between(now, retryAt));
          }
          return new PoolPlan(poolName, toProvision, retire, recheck, drained);
        });
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

  private static List<VmRetirement> endExpiredLeases(String pool, Instant now, LeaseMapper leases, VmMapper vms) {
    List<VmRetirement> retire = new ArrayList<>();
    for (String leaseId : leases.expiredHoldingPool(pool, now)) {
      if (leases.end(leaseId, LeaseRow.EXPIRED, "lifetime ended", now) == 1) {
        vms.markLeaseDestroying(leaseId, "lease expired", now);
        for (VmRow vm : vms.selectByLease(leaseId)) {
          if (VmStates.DESTROYING.equals(vm.state())) {
            retire.add(new VmRetirement(vm.name(), "lease expired"));
          }
        }
      }
    }
    return retire;
  }

  /** The next deadline in this pool (a ready_ttl or a lease expiry), never later than the poll interval. */
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
    return counts.stream().collect(Collectors.toMap(StateCount::state, StateCount::count, Integer::sum));
  }
}
