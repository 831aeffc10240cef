package dev.corral.web.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.Map;

/**
 * How lease requests end, counted where every API's requests end (the checkout service), not per
 * HTTP route: a vmpooler checkout and a {@code POST /v1/leases} count alike. Labelled by pool name
 * (never by the name or alias the caller wrote, which would let anyone grow the label set); an
 * unknown pool has no pool label.
 */
public final class LeaseMetrics {
  private final MeterRegistry registry;
  private final Counter unknownPool;

  public LeaseMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.unknownPool =
        Counter.builder("corral.lease.unknown.pool")
            .description("Lease requests refused because they named no known pool or alias (404)")
            .register(registry);
  }

  /** A request was granted: one count per pool it took from, and its VMs. */
  public void leased(Map<String, Integer> vmsPerPool) {
    vmsPerPool.forEach(
        (pool, n) -> {
          count(
              "corral.lease.success", "Lease requests granted, per pool they took VMs from", pool);
          Counter.builder("corral.lease.vms")
              .description("VMs handed out by granted lease requests")
              .tag("pool", pool)
              .register(registry)
              .increment(n);
        });
  }

  /** The pool had too few ready VMs (503); nothing was leased. */
  public void empty(String pool) {
    count(
        "corral.lease.empty",
        "Lease requests refused because the pool had too few ready VMs (503)",
        pool);
  }

  /**
   * A quota refused the request (429): once per pool it asked for (or only the pool the quota
   * limits).
   */
  public void quotaRefused(Collection<String> pools) {
    pools.forEach(
        pool ->
            count("corral.lease.quota.refused", "Lease requests refused by a quota (429)", pool));
  }

  /** A request named a pool or alias that does not exist (404). */
  public void unknownPool() {
    unknownPool.increment();
  }

  /** A waiting lease was recorded (202): once per pool it waits for. */
  public void pending(Collection<String> pools) {
    pools.forEach(
        pool ->
            count(
                "corral.lease.pending", "Waiting leases made (202), per pool they wait for", pool));
  }

  private void count(String name, String description, String pool) {
    Counter.builder(name).description(description).tag("pool", pool).register(registry).increment();
  }
}
