package dev.corral.activities.metrics;

import dev.corral.activities.inventory.ProviderHealth;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.StatsMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.PoolVmCount;
import dev.corral.activities.store.rows.VmStates;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges read from the database, the source of truth for every Corral instance: each pool's VMs per
 * state ({@code corral_pool_vms}) and its size ({@code corral_pool_size}), and each provider's
 * circuit breaker ({@code corral_provider_circuit}). One read (one grouped pool query, plus {@link
 * ProviderHealth}'s few rows per provider) serves every gauge for {@link #MAX_AGE}, so a scrape
 * costs at most one read and the lease path never pays for it.
 */
public final class InventoryGauges {
  private static final Logger log = LoggerFactory.getLogger(InventoryGauges.class);

  /** How long one read of the database serves the gauges. */
  public static final Duration MAX_AGE = Duration.ofSeconds(5);

  /** Failed and destroyed VMs are counted over this window, as the pool view counts failures. */
  public static final Duration ENDED_WINDOW = Duration.ofHours(24);

  static final List<String> CIRCUIT_STATES =
      List.of(ProviderHealth.State.values()).stream()
          .map(s -> s.name().toLowerCase(Locale.ROOT))
          .toList();

  /** One read: VMs per pool and state, sizes, and circuit states by provider. */
  record Snapshot(
      Map<String, Map<String, Integer>> vms,
      Map<String, Integer> sizes,
      Map<String, String> circuits,
      long readAtNanos) {
    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), Map.of(), Long.MIN_VALUE);

    double vms(String pool, String state) {
      return vms.getOrDefault(pool, Map.of()).getOrDefault(state, 0);
    }
  }

  private final Db db;
  private final Clock clock;
  private final MeterRegistry registry;
  private final List<String> providers;
  private final long maxAgeNanos;
  private final Object readLock = new Object();
  private volatile Snapshot snapshot = Snapshot.EMPTY;
  private boolean lastReadFailed;

  /** The gauges of each pool registered so far; changed only under {@code this}. */
  private final Map<String, List<Meter>> poolMeters = new HashMap<>();

  public InventoryGauges(Db db, Clock clock, MeterRegistry registry, Collection<String> providers) {
    this(db, clock, registry, providers, MAX_AGE);
  }

  InventoryGauges(
      Db db, Clock clock, MeterRegistry registry, Collection<String> providers, Duration maxAge) {
    this.maxAgeNanos = maxAge.toNanos();
    this.db = db;
    this.clock = clock;
    this.registry = registry;
    this.providers = List.copyOf(providers);
    for (String provider : this.providers) {
      for (String state : CIRCUIT_STATES) {
        Gauge.builder(
                "corral.provider.circuit",
                this,
                g -> state.equals(g.current().circuits().get(provider)) ? 1 : 0)
            .description(
                "The provider's circuit breaker: 1 for its current state (ok, failing, half_open)")
            .tags("provider", provider, "state", state)
            .register(registry);
      }
    }
  }

  /**
   * Brings the set of pool gauges up to date with the database: registers those of pools seen for
   * the first time and removes those of pools gone (removed and drained). Call before a scrape; the
   * values themselves are read by the gauges, from the same cached read.
   */
  public synchronized void sync() {
    Snapshot now = current();
    for (String pool : now.sizes().keySet()) {
      poolMeters.computeIfAbsent(pool, this::register);
    }
    for (String pool : List.copyOf(poolMeters.keySet())) {
      if (!now.sizes().containsKey(pool)) {
        poolMeters.remove(pool).forEach(registry::remove);
      }
    }
  }

  private List<Meter> register(String pool) {
    List<Meter> meters = new ArrayList<>();
    for (String state : VmStates.ALL) {
      meters.add(
          Gauge.builder("corral.pool.vms", this, g -> g.current().vms(pool, state))
              .description(
                  "VMs of the pool by state (destroyed and failed: over the last 24 h), from the database")
              .tags("pool", pool, "state", state)
              .register(registry));
    }
    meters.add(
        Gauge.builder("corral.pool.size", this, g -> g.current().sizes().getOrDefault(pool, 0))
            .description(
                "Ready VMs the pool keeps (its effective size; 0 once removed from the config)")
            .tag("pool", pool)
            .register(registry));
    return meters;
  }

  /**
   * The last read, re-read first when older than the maximum age; a failed read keeps the previous
   * values.
   */
  Snapshot current() {
    Snapshot s = snapshot;
    if (s != Snapshot.EMPTY && System.nanoTime() - s.readAtNanos() < maxAgeNanos) {
      return s;
    }
    synchronized (readLock) {
      s = snapshot;
      if (s != Snapshot.EMPTY && System.nanoTime() - s.readAtNanos() < maxAgeNanos) {
        return s;
      }
      try {
        s = read();
        if (lastReadFailed) {
          log.info("metrics: the inventory gauges read the database again");
        }
        lastReadFailed = false;
      } catch (RuntimeException e) {
        if (!lastReadFailed) {
          log.warn(
              "metrics: cannot read the inventory gauges from the database, showing the last values: {}",
              e.toString());
        }
        lastReadFailed = true;
        s = new Snapshot(s.vms(), s.sizes(), s.circuits(), System.nanoTime());
      }
      snapshot = s;
      return s;
    }
  }

  private Snapshot read() {
    Instant now = clock.instant();
    return db.inTransaction(
        session -> {
          Map<String, Map<String, Integer>> vms = new HashMap<>();
          Map<String, Integer> sizes = new HashMap<>();
          for (PoolVmCount row :
              session.getMapper(StatsMapper.class).poolVmCounts(now.minus(ENDED_WINDOW))) {
            sizes.put(row.pool(), row.size());
            if (row.state() != null) {
              vms.computeIfAbsent(row.pool(), p -> new HashMap<>())
                  .merge(row.state(), row.count(), Integer::sum);
            }
          }
          Map<String, String> circuits = new HashMap<>();
          VmMapper vmMapper = session.getMapper(VmMapper.class);
          for (String provider : providers) {
            circuits.put(
                provider,
                ProviderHealth.of(vmMapper, provider, now).state().name().toLowerCase(Locale.ROOT));
          }
          return new Snapshot(vms, sizes, circuits, System.nanoTime());
        });
  }

  /** The pools that have gauges now (for tests). */
  synchronized Set<String> pools() {
    return Set.copyOf(poolMeters.keySet());
  }
}
