package dev.corral.activities.inventory;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.VmNames;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a crash of Corral or of the host, makes each provider's inventory and the database agree
 * again, before leases are taken: a VM the provider runs that the database knows is adopted as it
 * is (its workflow resumes); one the database does not know (cloned just before a crash lost its
 * row, or a build VM whose delete-on-error never ran) is destroyed; a ready VM the provider reports
 * dead (its QEMU gone with the host) is retired so that nobody leases it, which also removes what
 * is left of it and lets the pool refill.
 *
 * <p>A ready VM the provider does not list at all is left to the reconciler: seeing it missing once
 * at start-up is not proof enough to replace it. Unlike the reconciler, the sweep destroys an
 * unknown VM at once, but within the same bounds: only names in Corral's scope, never one {@code
 * purge.allowlist} matches, and under {@code purge.dry_run} it only reports. "Unknown" is decided
 * by a database read made after the provider's listing: every clone (of any instance) and every
 * build VM has its row before the provider is asked to make it, so a VM another instance is cloning
 * right now is always known by then and never destroyed.
 */
public final class ProviderSweep {
  private static final Logger log = LoggerFactory.getLogger(ProviderSweep.class);

  /** What a sweep did, summed over all providers. */
  public record Outcome(
      int adopted, int destroyedUnknown, int retiredDead, List<String> unreachableProviders) {}

  private static final List<String> LIVE =
      List.of(
          VmStates.PROVISIONING,
          VmStates.READY,
          VmStates.LEASED,
          VmStates.CLEANING,
          VmStates.REUSABLE,
          VmStates.DESTROYING);

  private final Db db;
  private final ProviderRegistry providers;
  private final VmWorkflows vmWorkflows;
  private final Clock clock;
  private final ReconcileConfig purge;

  public ProviderSweep(Db db, ProviderRegistry providers, VmWorkflows vmWorkflows, Clock clock) {
    this(db, providers, vmWorkflows, clock, ReconcileConfig.DEFAULTS);
  }

  public ProviderSweep(
      Db db,
      ProviderRegistry providers,
      VmWorkflows vmWorkflows,
      Clock clock,
      ReconcileConfig purge) {
    this.db = db;
    this.providers = providers;
    this.vmWorkflows = vmWorkflows;
    this.clock = clock;
    this.purge = purge;
  }

  public Outcome run() {
    int adopted = 0;
    int destroyed = 0;
    int retired = 0;
    List<String> unreachable = new java.util.ArrayList<>();
    for (VmProvider provider : providers.all()) {
      List<ProviderVm> inventory;
      try {
        inventory = provider.inventory();
      } catch (RuntimeException e) {
        EventLog.warn(
            log,
            "start-up sweep: the provider did not list its VMs (" + e.getMessage() + "); skipped",
            EventLog.PROVIDER,
            provider.name());
        unreachable.add(provider.name());
        continue;
      }
      // Read after the listing, never before: see the class comment.
      Map<String, VmRow> known = new HashMap<>();
      Set<String> buildVms = new HashSet<>();
      db.inTransaction(
          session -> {
            session
                .getMapper(VmMapper.class)
                .selectInStates(LIVE)
                .forEach(vm -> known.put(vm.name(), vm));
            buildVms.addAll(Reconciler.buildVms(session));
            return null;
          });
      for (ProviderVm vm : inventory) {
        VmRow row = known.get(vm.name());
        if (row == null || !row.provider().equals(provider.name())) {
          if (buildVms.contains(vm.name()) || !VmNames.isCorralName(vm.name())) {
            continue;
          }
          if (purge.allowlisted(vm.name()) || purge.dryRun()) {
            EventLog.warn(
                log,
                "start-up sweep: unknown VM kept: "
                    + (purge.dryRun() ? "purge.dry_run is on" : "purge.allowlist matches it"),
                EventLog.PROVIDER,
                provider.name(),
                EventLog.VM,
                vm.name());
            continue;
          }
          try {
            provider.destroy(vm.name());
            destroyed++;
            EventLog.warn(
                log,
                "start-up sweep: unknown VM destroyed: the inventory does not know it",
                EventLog.PROVIDER,
                provider.name(),
                EventLog.VM,
                vm.name());
          } catch (RuntimeException e) {
            EventLog.warn(
                log,
                "start-up sweep: cannot destroy unknown VM: " + e.getMessage(),
                EventLog.PROVIDER,
                provider.name(),
                EventLog.VM,
                vm.name());
          }
        } else if (dead(vm) && VmStates.READY.equals(row.state())) {
          if (retire(
              row,
              "lost: found "
                  + vm.powerState().name().toLowerCase()
                  + " on "
                  + provider.name()
                  + " at start-up")) {
            retired++;
          }
        } else {
          adopted++;
        }
      }
    }
    log.info(
        "start-up sweep: {} VM(s) adopted, {} unknown VM(s) destroyed, {} dead ready VM(s) retired",
        adopted,
        destroyed,
        retired);
    return new Outcome(adopted, destroyed, retired, unreachable);
  }

  private static boolean dead(ProviderVm vm) {
    return vm.powerState() == PowerState.BROKEN || vm.powerState() == PowerState.POWERED_OFF;
  }

  private boolean retire(VmRow row, String reason) {
    if (DeadVms.retire(
            db, vmWorkflows, row.name(), List.of(VmStates.READY), reason, clock.instant())
        == null) {
      return false;
    }
    EventLog.warn(
        log,
        "start-up sweep: VM retired: " + reason,
        EventLog.VM,
        row.name(),
        EventLog.POOL,
        row.pool(),
        EventLog.PROVIDER,
        row.provider());
    return true;
  }
}
