package dev.corral.activities.reconcile;

// Over 400 lines: one reconcile pass (which VMs to check, lost VMs, orphans, purge) is one
// algorithm whose
// steps share the pass's state and whose rules are easiest to check read together.

import dev.corral.activities.inventory.DeadVms;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.ReconcileMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.CheckedVm;
import dev.corral.activities.store.rows.Sighting;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.CorralConfig;
import dev.corral.config.ReconcileConfig;
import dev.corral.config.Reloadable;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.VmNames;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.model.ReconcileRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.ibatis.session.SqlSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a provider and the database in agreement (issue 6 part 1), Synnefo-style: a pass checks
 * about {@code total × tick / window} of the provider's live VMs, those not checked within the
 * window and the longest unchecked first, so the provider calls per tick stay flat however large
 * the inventory and every VM is checked once per window. A VM the database thinks alive that the
 * provider lacks is <em>lost</em>: it moves to destroying with {@code retire_reason "lost: ..."}
 * (its workflow's destroy finds nothing left, the pool refills; a leased one shows its owner the
 * reason and is never handed to another lease). A listing of the provider's inventory finds VMs in
 * Corral's name scope that the database does not know and no running build owns; such a VM is
 * destroyed only at its second sighting at least a tick after the first (Nodepool's rule), never
 * when {@code purge.allowlist} matches it, and only reported under {@code purge.dry_run}.
 *
 * <p>The loop's tick ({@link #pass}) and "reconcile now" ({@link #now}) run this same code; both
 * are safe to run at the same time, every step being compare-and-set or idempotent.
 */
public final class Reconciler implements Reloadable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  /**
   * States in which the VM must exist on its provider. Provisioning counts once its clone finished;
   * destroying does not (a destroy of a missing VM succeeds anyway).
   */
  static final List<String> CHECKED =
      List.of(
          VmStates.PROVISIONING,
          VmStates.READY,
          VmStates.LEASED,
          VmStates.CLEANING,
          VmStates.REUSABLE);

  private static final List<String> READY_ONLY = List.of(VmStates.READY);
  private static final int ALL = 1_000_000;
  private static final int IDS_PER_QUERY = 500;
  private static final int MAX_BUILDS = 10_000;

  private final Db db;
  private final ProviderRegistry providers;
  private final VmWorkflows vmWorkflows;
  private final ShepherdNudger nudger;
  private final Clock clock;
  private volatile ReconcileConfig config; // a reload may change the purge rules
  private final ReconcileStats stats;

  public Reconciler(
      Db db,
      ProviderRegistry providers,
      VmWorkflows vmWorkflows,
      ShepherdNudger nudger,
      Clock clock,
      ReconcileConfig config,
      ReconcileStats stats) {
    this.db = db;
    this.providers = providers;
    this.vmWorkflows = vmWorkflows;
    this.nudger = nudger;
    this.clock = clock;
    this.config = config;
    this.stats = stats;
  }

  @Override
  public void reload(CorralConfig config) {
    this.config = config.reconcile();
  }

  public ReconcileConfig config() {
    return config;
  }

  public ReconcileStats stats() {
    return stats;
  }

  /**
   * Reconciles now, not staggered: every live VM of the provider (of every provider when {@code
   * provider} is null) and its inventory. {@code force} purges unknown VMs at their first sighting.
   */
  public List<ReconcilePass> now(String provider, boolean force) {
    List<String> names =
        provider == null ? List.copyOf(providers.names()) : List.of(providers.get(provider).name());
    List<ReconcilePass> passes = new ArrayList<>();
    for (String name : names) {
      passes.add(
          pass(new ReconcileRequest(name, config.tick(), config.window(), true, true, force)));
    }
    return passes;
  }

  /** One pass over one provider (the loop's tick, or part of {@link #now}). */
  public ReconcilePass pass(ReconcileRequest request) {
    VmProvider provider = providers.get(request.provider());
    Counts counts = new Counts();
    NowPace pace = request.all() ? NowPace.forReconcileNow() : NowPace.NONE;
    checkLiveVms(provider, request, counts, pace);
    if (request.scanInventory() || request.all()) {
      scanInventory(provider, request, counts, pace);
    }
    ReconcilePass pass =
        new ReconcilePass(
            provider.name(),
            clock.instant(),
            request.scanInventory() || request.all(),
            counts.checked,
            counts.lost,
            counts.sighted,
            counts.purged,
            counts.wouldPurge,
            counts.kept,
            counts.errors);
    stats.record(pass);
    if (pass.lost() + pass.purged() + pass.wouldPurge() + pass.errors().size() > 0
        || request.all()) {
      EventLog.info(
          log,
          "reconcile pass: "
              + pass.checked()
              + " checked, "
              + pass.lost()
              + " lost, "
              + pass.unknownSighted()
              + " unknown sighted, "
              + pass.purged()
              + " purged, "
              + pass.wouldPurge()
              + " would purge (dry run), "
              + pass.kept()
              + " kept (allowlist), "
              + pass.errors().size()
              + " provider error(s)",
          EventLog.PROVIDER,
          provider.name());
    }
    return pass;
  }

  /** How many VMs a tick checks: {@code ceil(total × tick / window)}, every VM once per window. */
  static int share(int total, Duration tick, Duration window) {
    if (total == 0) {
      return 0;
    }
    long perTick =
        (total * tick.toMillis() + window.toMillis() - 1) / Math.max(1, window.toMillis());
    return (int) Math.max(1, Math.min(total, perTick));
  }

  private void checkLiveVms(
      VmProvider provider, ReconcileRequest request, Counts counts, NowPace pace) {
    Instant now = clock.instant();
    List<CheckedVm> due =
        db.inTransaction(
            session -> {
              ReconcileMapper m = session.getMapper(ReconcileMapper.class);
              if (request.all()) {
                return m.dueForCheck(provider.name(), CHECKED, null, ALL);
              }
              int n =
                  share(
                      m.countCheckable(provider.name(), CHECKED), request.tick(), request.window());
              List<CheckedVm> share =
                  n == 0
                      ? List.<CheckedVm>of()
                      : m.dueForCheck(provider.name(), CHECKED, now.minus(request.window()), n);
              Duration checktime = config.vmChecktime();
              if (checktime.compareTo(request.window()) >= 0) {
                return share;
              }
              // vm_checktime: ready VMs, the ones the next leases get, on a shorter cycle of their
              // own, staggered the
              // same way; the window's share covers the rest.
              int r =
                  share(m.countCheckable(provider.name(), READY_ONLY), request.tick(), checktime);
              Map<String, CheckedVm> both = new LinkedHashMap<>();
              if (r > 0) {
                m.dueForCheck(provider.name(), READY_ONLY, now.minus(checktime), r)
                    .forEach(vm -> both.put(vm.name(), vm));
              }
              share.forEach(vm -> both.putIfAbsent(vm.name(), vm));
              return List.copyOf(both.values());
            });
    List<Long> checked = new ArrayList<>();
    pace.rest(); // after the query that found them
    for (CheckedVm vm : due) {
      pace.vmDone();
      Optional<ProviderVm> found;
      try {
        found = pace.provider(() -> provider.get(vm.name()));
      } catch (RuntimeException e) {
        // Left unchecked: it is first in line next tick.
        counts.errors.add("get " + vm.name() + ": " + e.getMessage());
        EventLog.warn(
            log,
            "reconcile: cannot look up the VM: " + e.getMessage(),
            EventLog.PROVIDER,
            provider.name(),
            EventLog.VM,
            vm.name(),
            EventLog.POOL,
            vm.pool());
        continue;
      }
      checked.add(vm.id());
      String reason =
          found.isEmpty()
              ? "lost: " + vm.state() + " VM not found on provider " + provider.name()
              : pace.provider(() -> unhealthy(provider, vm, found.get()));
      if (reason != null && markLost(provider.name(), vm, reason)) {
        counts.lost++;
      }
    }
    counts.checked = checked.size();
    Instant at = clock.instant();
    // In id order, so two passes at once (a tick and a reconcile-now) take their vm_check row locks
    // in one order.
    checked.sort(null);
    for (int i = 0; i < checked.size(); i += IDS_PER_QUERY) {
      List<Long> chunk = checked.subList(i, Math.min(checked.size(), i + IDS_PER_QUERY));
      db.inTransaction(session -> session.getMapper(ReconcileMapper.class).markChecked(chunk, at));
      pace.rest();
    }
  }

  /**
   * The health check of a VM the provider has (vmpooler's vm_checktime: every VM once per window):
   * one that is powered off or broken is as good as lost, and a ready one must also pass the
   * provider's readiness probe (for QEMU: the guest agent answers). Null when healthy. VMs still
   * provisioning or being cleaned are left to their own workflows, and a probe that says "booting"
   * is not acted on (an agent slow for a moment).
   */
  private static String unhealthy(VmProvider provider, CheckedVm vm, ProviderVm found) {
    if (VmStates.PROVISIONING.equals(vm.state()) || VmStates.CLEANING.equals(vm.state())) {
      return null;
    }
    if (found.powerState() == ProviderVm.PowerState.BROKEN
        || found.powerState() == ProviderVm.PowerState.POWERED_OFF) {
      return "unhealthy: "
          + vm.state()
          + " VM found "
          + found.powerState().name().toLowerCase().replace('_', ' ')
          + " on provider "
          + provider.name();
    }
    if (VmStates.READY.equals(vm.state())) {
      Readiness probe = provider.checkReady(vm.name());
      if (probe.state() == Readiness.State.FAILED) {
        return "unhealthy: ready VM failed its readiness probe on provider "
            + provider.name()
            + ": "
            + probe.reason();
      }
      // A guest that answers under another name (a clone that kept its template's identity, an
      // address that now
      // reaches another machine) would hand its user the wrong host: vmpooler's hostname check.
      String answers =
          probe.state() == Readiness.State.READY && probe.hostname() != null
              ? probe.hostname()
              : found.hostname();
      if (vm.hostname() != null && answers != null && !answers.equalsIgnoreCase(vm.hostname())) {
        return "unhealthy: ready VM answers as host "
            + answers
            + ", not "
            + vm.hostname()
            + ", on provider "
            + provider.name();
      }
    }
    return null;
  }

  /**
   * Retires a VM its provider lacks or reports dead; false when it left the checked states
   * meanwhile (released, destroyed).
   */
  private boolean markLost(String provider, CheckedVm vm, String reason) {
    VmRow row = DeadVms.retire(db, vmWorkflows, vm.name(), CHECKED, reason, clock.instant());
    if (row == null) {
      return false;
    }
    EventLog.warn(
        log,
        "reconcile: VM retired: "
            + reason
            + (VmStates.LEASED.equals(vm.state())
                ? "; its lease keeps it as destroying with the reason"
                : "; the pool refills"),
        EventLog.PROVIDER,
        provider,
        EventLog.VM,
        vm.name(),
        EventLog.POOL,
        vm.pool(),
        EventLog.LEASE,
        row.leaseId());
    nudger.vmChanged(vm.pool());
    return true;
  }

  private void scanInventory(
      VmProvider provider, ReconcileRequest request, Counts counts, NowPace pace) {
    Instant listedAt = clock.instant();
    List<String> listed;
    try {
      listed =
          pace.provider(provider::inventory).stream()
              .map(ProviderVm::name)
              .filter(VmNames::isCorralName)
              .toList();
    } catch (RuntimeException e) {
      counts.errors.add("inventory: " + e.getMessage());
      EventLog.warn(
          log,
          "reconcile: cannot list the inventory: " + e.getMessage(),
          EventLog.PROVIDER,
          provider.name());
      return;
    }
    Set<String> unknown = unknown(provider.name(), listed);
    pace.rest();
    for (String name : unknown) {
      if (config.allowlisted(name)) {
        counts.kept++;
        EventLog.info(
            log,
            "reconcile: unknown VM kept: purge.allowlist matches it",
            EventLog.PROVIDER,
            provider.name(),
            EventLog.VM,
            name);
        continue;
      }
      Sighting seen =
          db.inTransaction(
              session -> {
                ReconcileMapper m = session.getMapper(ReconcileMapper.class);
                m.recordSighting(provider.name(), name, listedAt);
                return m.selectSighting(provider.name(), name);
              });
      counts.sighted++;
      boolean second =
          seen.sightings() >= 2 && !seen.firstSeenAt().isAfter(listedAt.minus(request.tick()));
      if (!second && !request.force()) {
        EventLog.info(
            log,
            "reconcile: unknown VM seen (first sighting at "
                + seen.firstSeenAt()
                + "); destroyed if still unknown later",
            EventLog.PROVIDER,
            provider.name(),
            EventLog.VM,
            name);
      } else if (config.dryRun()) {
        counts.wouldPurge++;
        EventLog.warn(
            log,
            "reconcile: unknown VM would be destroyed (purge.dry_run is on; seen "
                + seen.sightings()
                + " time(s) since "
                + seen.firstSeenAt()
                + ")",
            EventLog.PROVIDER,
            provider.name(),
            EventLog.VM,
            name);
      } else {
        try {
          provider.destroy(name);
          db.inTransaction(
              session ->
                  session.getMapper(ReconcileMapper.class).deleteSighting(provider.name(), name));
          counts.purged++;
          EventLog.warn(
              log,
              "reconcile: unknown VM destroyed (seen "
                  + seen.sightings()
                  + " time(s) since "
                  + seen.firstSeenAt()
                  + (request.force() ? ", forced" : "")
                  + ")",
              EventLog.PROVIDER,
              provider.name(),
              EventLog.VM,
              name);
        } catch (RuntimeException e) {
          counts.errors.add("destroy " + name + ": " + e.getMessage());
          EventLog.warn(
              log,
              "reconcile: cannot destroy unknown VM: " + e.getMessage(),
              EventLog.PROVIDER,
              provider.name(),
              EventLog.VM,
              name);
        }
      }
    }
    UnusedFolders.sweep(
        db, provider, config, listedAt, request.tick(), request.force(), counts.errors);
    db.inTransaction(
        session ->
            session
                .getMapper(ReconcileMapper.class)
                .deleteSightingsNotSeenSince(provider.name(), listedAt));
  }

  /**
   * The listed names the database does not know as live VMs of this provider and no queued or
   * running build owns. Read after the listing: a VM cloned since has its row already (rows are
   * written before clones). One query of names, not the listed VMs' whole rows: at 10,000 VMs
   * mapping those rows cost more than the listing.
   */
  private Set<String> unknown(String provider, List<String> listed) {
    Set<String> unknown = new HashSet<>(listed);
    if (listed.isEmpty()) {
      return unknown;
    }
    db.inTransaction(
        session -> {
          unknown.removeAll(
              new HashSet<>(
                  session.getMapper(ReconcileMapper.class).liveNames(provider, VmStates.LIVE)));
          unknown.removeAll(buildVms(session));
          return null;
        });
    return unknown;
  }

  /**
   * VMs of queued and running template builds: their rows live in {@code build}, not {@code vm}.
   */
  public static Set<String> buildVms(SqlSession session) {
    Set<String> names = new HashSet<>();
    BuildMapper builds = session.getMapper(BuildMapper.class);
    for (String state : List.of(BuildRow.QUEUED, BuildRow.RUNNING)) {
      builds.list(null, state, MAX_BUILDS).forEach(b -> names.add(b.vmName()));
    }
    return names;
  }

  private static final class Counts {
    int checked;
    int lost;
    int sighted;
    int purged;
    int wouldPurge;
    int kept;
    final List<String> errors = new ArrayList<>();
  }
}
