package dev.corral.web.api;

import dev.corral.activities.store.LeaseClaim;
import dev.corral.activities.store.LeaseQuota;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PoolShortException;
import dev.corral.activities.store.QuotaExceededException;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.config.CorralConfig;
import dev.corral.config.Durations;
import dev.corral.config.PoolConfig;
import dev.corral.config.PoolLeasing;
import dev.corral.config.Reloadable;
import dev.corral.web.auth.AccessPolicy;
import dev.corral.web.auth.Caller;
import dev.corral.web.metrics.LeaseMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The one way VMs are taken from pools, for the native API and the vmpooler API alike: resolve the
 * names the caller used, check who may use those pools, settle the lifetime, then claim everything
 * or nothing in one short transaction (quotas included). Nothing here waits on Temporal.
 */
public final class Checkouts implements Reloadable {
  /** Most VMs of one pool in one request (vmpooler's limit too). */
  public static final int MAX_VMS_PER_POOL = 100;

  /** What to take: counts by the name the caller used (pool or alias), and the lease's terms. */
  public record Request(
      Caller caller,
      Map<String, Integer> byRequestedName,
      Duration lifetime,
      String tags,
      String origin,
      boolean leasePerVm) {}

  /**
   * What was taken: the leases made, and the VMs under each name the caller used, in request order.
   */
  public record Result(
      String requestId, List<LeaseStore.Lease> leases, Map<String, List<VmRow>> byRequestedName) {}

  /** A pool as a request named it. */
  public record Resolved(String requestedName, PoolRow pool, PoolConfig config) {}

  private final LeaseStore leases;
  private final PoolCatalog pools;
  private volatile Map<String, PoolConfig> poolConfigs; // replaced whole by a reload
  private final AccessPolicy access;
  private final ShortageReport shortages;
  private final ShepherdNudger nudger;
  private final VmRetirements vmSignals;
  private final Clock clock;
  private final LeaseMetrics metrics;

  public Checkouts(
      LeaseStore leases,
      PoolCatalog pools,
      List<PoolConfig> poolConfigs,
      AccessPolicy access,
      ShortageReport shortages,
      ShepherdNudger nudger,
      VmRetirements vmSignals,
      Clock clock,
      LeaseMetrics metrics) {
    this.metrics = metrics;
    this.leases = leases;
    this.pools = pools;
    this.poolConfigs = byName(poolConfigs);
    this.access = access;
    this.shortages = shortages;
    this.nudger = nudger;
    this.vmSignals = vmSignals;
    this.clock = clock;
  }

  @Override
  public void reload(CorralConfig config) {
    this.poolConfigs = byName(config.pools());
  }

  private static Map<String, PoolConfig> byName(List<PoolConfig> pools) {
    Map<String, PoolConfig> byName = new LinkedHashMap<>();
    pools.forEach(p -> byName.put(p.name(), p));
    return byName;
  }

  /**
   * Resolves names to pools: unknown names are one 404 naming all of them, and a pool the caller
   * may not use is a 401 (no token) or 403.
   */
  public List<Resolved> resolve(Caller caller, Iterable<String> names) {
    List<Resolved> resolved = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String name : names) {
      pools
          .resolve(name)
          .ifPresentOrElse(
              pool -> resolved.add(new Resolved(name, pool, config(pool))),
              () -> unknown.add(name));
    }
    if (!unknown.isEmpty()) {
      metrics.unknownPool();
      throw ApiException.notFound(
          "unknown_pool",
          "no pool or alias named " + String.join(", ", unknown) + "; nothing was leased",
          Map.of("unknown", unknown));
    }
    for (Resolved r : resolved) {
      AccessPolicy.Refusal refusal = access.refusal(caller, r.config());
      if (refusal != null) {
        throw new ApiException(
            refusal.status(),
            refusal.status() == 401 ? "token_required" : "forbidden",
            refusal.message() + "; nothing was leased",
            Map.of("pool", r.pool().name()));
      }
    }
    return resolved;
  }

  /**
   * The asked lifetime, or the shortest default the caller has in these pools; never longer than
   * the strictest pool's maximum (a longer one is a 400 naming the maximum).
   */
  public Duration lifetime(Caller caller, List<PoolConfig> configs, Duration asked, String field) {
    PoolConfig strictest =
        configs.stream().min((a, b) -> a.maxLifetime().compareTo(b.maxLifetime())).orElseThrow();
    Duration max = strictest.maxLifetime();
    if (asked == null) {
      Duration dflt =
          configs.stream()
              .map(p -> access.defaultLifetime(caller, p))
              .min(Duration::compareTo)
              .orElseThrow();
      return dflt.compareTo(max) > 0 ? max : dflt;
    }
    if (asked.isNegative() || asked.isZero()) {
      throw ApiException.badRequest(field + " must be positive", Map.of("field", field));
    }
    if (asked.compareTo(max) > 0) {
      throw ApiException.badRequest(
          field
              + " "
              + Durations.format(asked)
              + " is over the maximum "
              + Durations.format(max)
              + " of pool "
              + strictest.name(),
          Map.of("field", field, "maximum", Durations.format(max), "pool", strictest.name()));
    }
    return asked;
  }

  /**
   * Claims the request, all or nothing. 503 when a pool is short, 429 when a quota would be
   * exceeded.
   */
  public Result take(Request request, List<Resolved> resolved) {
    Map<String, Integer> perPool = new LinkedHashMap<>();
    Map<String, String> poolOf = new LinkedHashMap<>();
    for (Resolved r : resolved) {
      poolOf.put(r.requestedName(), r.pool().name());
      perPool.merge(
          r.pool().name(), request.byRequestedName().get(r.requestedName()), Integer::sum);
    }
    perPool.forEach(
        (pool, n) -> {
          if (n > MAX_VMS_PER_POOL) {
            throw ApiException.badRequest(
                "at most " + MAX_VMS_PER_POOL + " VMs of pool " + pool + " per request",
                Map.of("pool", pool, "requested", n));
          }
        });
    int total = perPool.values().stream().mapToInt(Integer::intValue).sum();
    String requestId = UUID.randomUUID().toString();
    List<String> leaseIds = new ArrayList<>();
    for (int i = 0; i < (request.leasePerVm() ? total : 1); i++) {
      leaseIds.add(request.leasePerVm() ? UUID.randomUUID().toString() : requestId);
    }
    Instant now = clock.instant();
    Caller caller = request.caller();
    LeaseClaim claim =
        new LeaseClaim(
            leaseIds,
            perPool,
            caller.user(),
            request.tags(),
            request.leasePerVm() ? requestId : null,
            request.origin(),
            now,
            request.lifetime(),
            access.quotasFor(caller));
    try {
      List<LeaseStore.Lease> granted = leases.claim(claim);
      metrics.leased(perPool);
      granted.forEach(lease -> vmSignals.leasedAgain(lease.vms()));
      return new Result(requestId, granted, split(granted, request.byRequestedName(), poolOf));
    } catch (PoolShortException shortage) {
      metrics.empty(shortage.pool());
      throw shortages.explain(shortage);
    } catch (QuotaExceededException quota) {
      countQuotaRefusal(quota, perPool.keySet());
      throw quotaRefused(quota);
    } finally {
      // Refill after a claim, and after a failed one too: the shepherd may be behind demand.
      perPool.keySet().forEach(nudger::leased);
    }
  }

  /** The quotas that apply to the caller's leases (none for anonymous and open callers). */
  public List<LeaseQuota> quotas(Caller caller) {
    return access.quotasFor(caller);
  }

  /**
   * Counts a 429: against the pool a per-pool quota limits, else against every pool the request
   * asked for.
   */
  public void countQuotaRefusal(QuotaExceededException quota, Collection<String> pools) {
    metrics.quotaRefused(quota.pool() != null ? List.of(quota.pool()) : pools);
  }

  /** Counts a waiting lease made for these pools. */
  public void countPending(Collection<String> pools) {
    metrics.pending(pools);
  }

  /** A 429 naming the quota a request would go over. */
  public static ApiException quotaRefused(QuotaExceededException quota) {
    return new ApiException(
        429, "quota_exceeded", quota.getMessage() + "; nothing was leased", quotaDetail(quota));
  }

  private static Map<String, Object> quotaDetail(QuotaExceededException quota) {
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("quota", quota.key());
    detail.put("limit", quota.limit());
    detail.put("leased", quota.leased());
    detail.put("requested", quota.requested());
    if (quota.pool() != null) {
      detail.put("pool", quota.pool());
    }
    return detail;
  }

  /** Hands the claimed VMs back out under the names the caller used, in the order asked. */
  private static Map<String, List<VmRow>> split(
      List<LeaseStore.Lease> granted, Map<String, Integer> byName, Map<String, String> poolOf) {
    Map<String, ArrayDeque<VmRow>> byPool = new LinkedHashMap<>();
    granted.forEach(
        l ->
            l.vms()
                .forEach(vm -> byPool.computeIfAbsent(vm.pool(), p -> new ArrayDeque<>()).add(vm)));
    Map<String, List<VmRow>> out = new LinkedHashMap<>();
    byName.forEach(
        (name, n) -> {
          ArrayDeque<VmRow> vms = byPool.get(poolOf.get(name));
          List<VmRow> mine = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            mine.add(vms.poll());
          }
          out.put(name, mine);
        });
    return out;
  }

  /**
   * The pool's config; a pool still in the database but no longer configured keeps today's
   * defaults.
   */
  public PoolConfig config(PoolRow pool) {
    PoolConfig config = poolConfigs.get(pool.name());
    if (config != null) {
      return config;
    }
    return new PoolConfig(
        pool.name(),
        List.of(),
        pool.template(),
        List.of(),
        pool.size(),
        Duration.ofSeconds(pool.readyTtlS()),
        Duration.ofSeconds(pool.bootTimeoutS()),
        pool.maxTries(),
        Duration.ofSeconds(pool.lifetimeS()),
        Duration.ofSeconds(pool.maxLifetimeS()),
        null,
        PoolLeasing.DEFAULT,
        null,
        null);
  }

  public PoolConfig configOf(String poolName) {
    return poolConfigs.get(poolName);
  }
}
