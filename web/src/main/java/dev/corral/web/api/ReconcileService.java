package dev.corral.web.api;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.reconcile.ReconcileStats;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.workflows.model.ReconcilePass;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/reconcile} (reconcile now), {@code GET /v1/reconcile} (the reconciler's counters)
 * and {@code GET /v1/providers/{name}/inventory} (what a provider really runs, not the database's
 * view).
 */
public final class ReconcileService {
  /** The answer of a reconcile-now: one pass per provider. */
  public record Summary(boolean dryRun, boolean force, List<ReconcilePass> providers) {}

  /** One provider's counters since this process started. */
  public record ProviderStatus(
      String provider,
      String tick,
      String window,
      Instant lastPassAt,
      long passes,
      long vmsChecked,
      long vmsLost,
      long unknownSighted,
      long unknownPurged,
      long dryRunWouldPurge,
      long allowlistKept,
      long providerErrors,
      ReconcilePass lastPass) {}

  public record Status(boolean dryRun, List<String> allowlist, List<ProviderStatus> providers) {}

  /** A VM as its provider reports it. */
  public record InventoryVm(
      String name,
      String template,
      String powerState,
      String hostname,
      String ip,
      Map<String, Integer> ports,
      Instant createdAt) {}

  public record Inventory(String provider, int count, List<InventoryVm> vms) {}

  private final Reconciler reconciler;
  private final ProviderRegistry providers;

  public ReconcileService(Reconciler reconciler, ProviderRegistry providers) {
    this.reconciler = reconciler;
    this.providers = providers;
  }

  /** One pass now for {@code provider}, or for every provider when it is null. */
  public Summary reconcileNow(String provider, boolean force) {
    if (provider != null) {
      requireProvider(provider);
    }
    return new Summary(reconciler.config().dryRun(), force, reconciler.now(provider, force));
  }

  public Status status() {
    ReconcileStats stats = reconciler.stats();
    List<ProviderStatus> out = new ArrayList<>();
    for (String name : providers.names()) {
      ReconcileStats.Totals t = stats.of(name);
      out.add(
          new ProviderStatus(
              name,
              dev.corral.config.Durations.format(reconciler.config().tick()),
              dev.corral.config.Durations.format(reconciler.config().window()),
              t.lastPassAt(),
              t.passes(),
              t.vmsChecked(),
              t.vmsLost(),
              t.unknownSighted(),
              t.unknownPurged(),
              t.dryRunWouldPurge(),
              t.allowlistKept(),
              t.providerErrors(),
              t.lastPass()));
    }
    return new Status(reconciler.config().dryRun(), reconciler.config().allowlist(), out);
  }

  public Inventory inventory(String provider) {
    requireProvider(provider);
    List<ProviderVm> vms;
    try {
      vms = providers.get(provider).inventory();
    } catch (RuntimeException e) {
      throw new ApiException(
          502,
          "provider_unavailable",
          "provider "
              + provider
              + " did not list its VMs: "
              + ApiException.clip(String.valueOf(e.getMessage())),
          Map.of("provider", provider));
    }
    List<InventoryVm> out =
        vms.stream()
            .map(
                vm ->
                    new InventoryVm(
                        vm.name(),
                        vm.template(),
                        vm.powerState().name().toLowerCase(),
                        vm.hostname(),
                        vm.ip(),
                        vm.ports(),
                        vm.createdAt()))
            .toList();
    return new Inventory(provider, out.size(), out);
  }

  private void requireProvider(String provider) {
    ProviderAdmin.requireKnown(providers, provider);
  }
}
