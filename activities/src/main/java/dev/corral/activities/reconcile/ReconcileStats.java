package dev.corral.activities.reconcile;

import dev.corral.workflows.model.ReconcilePass;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reconciler's counters per provider since this process started, for {@code GET /v1/reconcile}
 * and for the metrics of issue 7. In memory: with several Corral instances each counts the passes
 * its own workers ran.
 */
public final class ReconcileStats {
  /**
   * Totals of one provider.
   *
   * @param lastPassAt when the last pass (tick or reconcile-now) ended; null before the first
   * @param vmsChecked live VMs compared with the provider
   * @param vmsLost VMs found missing on the provider and marked lost
   * @param unknownSighted sightings of VMs the database does not know
   * @param unknownPurged unknown VMs destroyed
   * @param dryRunWouldPurge unknown VMs a dry run would have destroyed
   * @param allowlistKept unknown VMs spared by the allowlist
   * @param providerErrors provider calls that failed
   */
  public record Totals(
      Instant lastPassAt,
      long passes,
      long vmsChecked,
      long vmsLost,
      long unknownSighted,
      long unknownPurged,
      long dryRunWouldPurge,
      long allowlistKept,
      long providerErrors,
      ReconcilePass lastPass) {
    static final Totals NONE = new Totals(null, 0, 0, 0, 0, 0, 0, 0, 0, null);

    Totals plus(ReconcilePass p) {
      return new Totals(
          p.at(),
          passes + 1,
          vmsChecked + p.checked(),
          vmsLost + p.lost(),
          unknownSighted + p.unknownSighted(),
          unknownPurged + p.purged(),
          dryRunWouldPurge + p.wouldPurge(),
          allowlistKept + p.kept(),
          providerErrors + p.errors().size(),
          p);
    }
  }

  private final Map<String, Totals> byProvider = new ConcurrentHashMap<>();

  public void record(ReconcilePass pass) {
    byProvider.merge(pass.provider(), Totals.NONE.plus(pass), (old, ignored) -> old.plus(pass));
  }

  /** Totals of a provider, zero before its first pass. */
  public Totals of(String provider) {
    return byProvider.getOrDefault(provider, Totals.NONE);
  }

  /** All providers that ran a pass, by name. */
  public Map<String, Totals> all() {
    return new TreeMap<>(byProvider);
  }
}
