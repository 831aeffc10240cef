package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PoolShortException;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.config.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Leases: validate the request, claim in one database transaction, then nudge shepherds and retire
 * VMs asynchronously. Nothing here waits on Temporal.
 */
public final class LeaseService {
  static final int MAX_VMS_PER_POOL = 100;
  private static final Set<String> FIELDS = Set.of("vms", "lifetime");

  private final LeaseStore leases;
  private final PoolCatalog pools;
  private final Clock clock;
  private final ShepherdNudger nudger;
  private final VmRetirements retirements;

  public LeaseService(
      LeaseStore leases, PoolCatalog pools, Clock clock, ShepherdNudger nudger, VmRetirements retirements) {
    this.leases = leases;
    this.pools = pools;
    this.clock = clock;
    this.nudger = nudger;
    this.retirements = retirements;
  }

  public LeaseView create(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object like {\"vms\": {\"pool\": 1}}", Map.of());
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw ApiException.badRequest("unknown field '" + field + "'", Map.of("field", field, "allowed", FIELDS));
      }
    }
    Map<String, PoolRow> requested = new LinkedHashMap<>();
    Map<String, Integer> counts = wantedVms(body.get("vms"), requested);
    Duration lifetime = lifetime(body.get("lifetime"), requested.values());
    Instant now = clock.instant();
    try {
      LeaseStore.Lease lease = leases.claim(UUID.randomUUID().toString(), null, counts, now, lifetime);
      return LeaseView.of(lease);
    } catch (PoolShortException shortage) {
      throw new ApiException(503, "pool_empty", shortage.getMessage() + "; nothing was leased",
          Map.of("pool", shortage.pool(), "requested", shortage.requested(), "ready", shortage.ready()));
    } finally {
      // Refill after a claim, and after a failed one too: the shepherd may be behind demand.
      counts.keySet().forEach(nudger::leased);
    }
  }

  /** VMs wanted per pool name (aliases resolved and merged); fills {@code pools} with the pools named. */
  private Map<String, Integer> wantedVms(JsonNode vms, Map<String, PoolRow> pools) {
    if (vms == null || !vms.isObject() || vms.isEmpty()) {
      throw ApiException.badRequest("'vms' must be a non-empty object of pool name or alias to count",
          Map.of("field", "vms"));
    }
    Map<String, Integer> wanted = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vms.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode count = entry.getValue();
      if (!count.canConvertToInt() || !count.isIntegralNumber() || count.asInt() < 1 || count.asInt() > MAX_VMS_PER_POOL) {
        throw ApiException.badRequest("vms." + entry.getKey() + " must be a whole number from 1 to " + MAX_VMS_PER_POOL,
            Map.of("field", "vms." + entry.getKey(), "value", count.toString()));
      }
      this.pools.resolve(entry.getKey()).ifPresentOrElse(
          pool -> {
            pools.put(pool.name(), pool);
            wanted.merge(pool.name(), count.asInt(), Integer::sum);
          },
          () -> unknown.add(entry.getKey()));
    }
    if (!unknown.isEmpty()) {
      throw ApiException.notFound("unknown_pool", "no pool or alias named " + String.join(", ", unknown) + "; nothing was leased",
          Map.of("unknown", unknown));
    }
    wanted.forEach((pool, n) -> {
      if (n > MAX_VMS_PER_POOL) {
        throw ApiException.badRequest("at most " + MAX_VMS_PER_POOL + " VMs of pool " + pool + " per lease",
            Map.of("pool", pool, "requested", n));
      }
    });
    return wanted;
  }

  /** The asked lifetime, or the shortest default of the pools; never longer than any pool allows. */
  private static Duration lifetime(JsonNode value, Collection<PoolRow> pools) {
    PoolRow strictest = pools.stream().min((a, b) -> Long.compare(a.maxLifetimeS(), b.maxLifetimeS())).orElseThrow();
    Duration max = Duration.ofSeconds(strictest.maxLifetimeS());
    if (value == null || value.isNull()) {
      long seconds = pools.stream().mapToLong(PoolRow::lifetimeS).min().orElseThrow();
      return Duration.ofSeconds(Math.min(seconds, max.toSeconds()));
    }
    Duration lifetime;
    try {
      lifetime = value.isNumber() ? Durations.parse(value.numberValue()) : Durations.parse(value.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("lifetime: " + e.getMessage(), Map.of("field", "lifetime", "value", value.asText()));
    }
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw ApiException.badRequest("lifetime must be positive", Map.of("field", "lifetime", "value", value.asText()));
    }
    if (lifetime.compareTo(max) > 0) {
      throw ApiException.badRequest(
          "lifetime " + Durations.format(lifetime) + " is over the maximum " + Durations.format(max) + " of pool " + strictest.name(),
          Map.of("field", "lifetime", "maximum", Durations.format(max), "pool", strictest.name()));
    }
    return lifetime;
  }

  public LeaseView get(String id) {
    return leases.find(id).map(LeaseView::of).orElseThrow(() -> unknownLease(id));
  }

  /** Ends the lease and destroys its VMs; releasing an ended lease returns it unchanged. */
  public LeaseView release(String id) {
    LeaseStore.Lease lease =
        leases.end(id, LeaseRow.RELEASED, "released by request", clock.instant()).orElseThrow(() -> unknownLease(id));
    retirements.retireAll(lease.vms(), "lease released");
    return LeaseView.of(lease);
  }

  private static ApiException unknownLease(String id) {
    return ApiException.notFound("unknown_lease", "no lease with id " + id, Map.of("id", id));
  }
}
