package dev.corral.activities.metrics;

import dev.corral.activities.reconcile.ReconcileStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.function.ToDoubleFunction;

/**
 * Exports {@link ReconcileStats} (the counters {@code GET /v1/reconcile} shows) as meters read at
 * scrape time, so the reconciler's actions are counted once, there.
 */
public final class ReconcileMetrics {
  private ReconcileMetrics() {}

  public static void register(
      MeterRegistry registry, ReconcileStats stats, Collection<String> providers) {
    for (String provider : providers) {
      counter(
          registry,
          stats,
          provider,
          "corral.reconcile.passes",
          null,
          "Reconciler passes (ticks and reconcile-now)",
          ReconcileStats.Totals::passes);
      counter(
          registry,
          stats,
          provider,
          "corral.reconcile.provider.errors",
          null,
          "Provider calls of the reconciler that failed",
          ReconcileStats.Totals::providerErrors);
      String vms = "corral.reconcile.vms";
      String what = "VMs the reconciler acted on, by outcome";
      counter(registry, stats, provider, vms, "checked", what, ReconcileStats.Totals::vmsChecked);
      counter(registry, stats, provider, vms, "lost", what, ReconcileStats.Totals::vmsLost);
      counter(
          registry,
          stats,
          provider,
          vms,
          "unknown_sighted",
          what,
          ReconcileStats.Totals::unknownSighted);
      counter(
          registry,
          stats,
          provider,
          vms,
          "unknown_purged",
          what,
          ReconcileStats.Totals::unknownPurged);
      counter(
          registry,
          stats,
          provider,
          vms,
          "would_purge",
          what,
          ReconcileStats.Totals::dryRunWouldPurge);
      counter(
          registry,
          stats,
          provider,
          vms,
          "allowlist_kept",
          what,
          ReconcileStats.Totals::allowlistKept);
      Gauge.builder(
              "corral.reconcile.last.pass.timestamp",
              stats,
              s -> {
                var at = s.of(provider).lastPassAt();
                return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
              })
          .description("When the provider's last reconciler pass ended (Unix seconds)")
          .tags("provider", provider)
          .baseUnit("seconds")
          .register(registry);
    }
  }

  private static void counter(
      MeterRegistry registry,
      ReconcileStats stats,
      String provider,
      String name,
      String outcome,
      String description,
      ToDoubleFunction<ReconcileStats.Totals> value) {
    FunctionCounter.Builder<ReconcileStats> b =
        FunctionCounter.builder(name, stats, s -> value.applyAsDouble(s.of(provider)))
            .description(description)
            .tag("provider", provider);
    if (outcome != null) {
      b.tag("outcome", outcome);
    }
    b.register(registry);
  }
}
