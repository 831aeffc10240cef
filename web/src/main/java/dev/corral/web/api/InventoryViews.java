package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.corral.activities.inventory.PoolTemplates;
import dev.corral.activities.inventory.ProviderHealth;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.VmTaskMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.PoolSelector;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmPorts;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.store.rows.VmTaskRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Read-only views of pools, VMs and providers for the API. */
public final class InventoryViews {
  /** Failed VMs count for a pool while they are this recent; older failures are history. */
  static final Duration FAILED_WINDOW = Duration.ofHours(24);

  /**
   * {@code cleaning} and {@code reusable}: VMs held for their owners' reuse, not part of {@code
   * ready}.
   */
  public record PoolView(
      String name,
      List<String> alias,
      int size,
      int ready,
      int provisioning,
      int leased,
      int cleaning,
      int reusable,
      int destroying,
      int failed,
      String template,
      List<String> providers,
      boolean active,
      PoolSelector templateSelector,
      Map<String, String> currentTemplates) {}

  /**
   * {@code reservedFor} and {@code reusableUntil}: whom a cleaning or reusable VM is held for, and
   * until when; {@code uses}: how many leases it was handed to.
   */
  public record VmView(
      String name,
      String pool,
      String state,
      String provider,
      String template,
      String hostname,
      String ip,
      Map<String, Integer> ports,
      String leaseId,
      int attempts,
      String failureReason,
      String retireReason,
      Instant createdAt,
      Instant readyAt,
      Instant leasedAt,
      Instant endedAt,
      int uses,
      String reservedFor,
      Instant reusableUntil) {
    static VmView of(VmRow vm) {
      return new VmView(
          vm.name(),
          vm.pool(),
          vm.state(),
          vm.provider(),
          vm.template(),
          vm.hostname(),
          vm.ip(),
          VmPorts.decode(vm.ports()),
          vm.leaseId(),
          vm.attempts(),
          vm.failureReason(),
          vm.retireReason(),
          vm.createdAt(),
          vm.readyAt(),
          vm.leasedAt(),
          vm.endedAt(),
          vm.uses(),
          vm.reservedFor(),
          vm.reusableUntil());
    }
  }

  /**
   * {@code vms} is what the provider itself reports; {@code inventory_vms} what the database
   * believes. {@code state} is its circuit breaker ({@code ok | failing}); a failing provider is
   * skipped by placement while another can take VMs, and at {@code retry_at} one trial VM tries it
   * again. {@code load} is the share of {@code max_vms} in use. {@code build_slots_free}: of its
   * {@code max_concurrent_builds}, the slots no running template build holds. {@code state} is
   * {@code disabled} while an operator keeps it out of placement ({@code disabled_reason/by/at}).
   */
  public record ProviderView(
      String name,
      String type,
      String state,
      Instant retryAt,
      int maxVms,
      int maxConcurrentClones,
      Integer vms,
      int inventoryVms,
      int provisioning,
      double load,
      int cloneSlotsFree,
      int maxConcurrentBuilds,
      int buildSlotsFree,
      String error,
      String disabledReason,
      String disabledBy,
      Instant disabledAt) {}

  private final Db db;
  private final ProviderRegistry providers;
  private final Clock clock;

  public InventoryViews(Db db, ProviderRegistry providers, Clock clock) {
    this.db = db;
    this.providers = providers;
    this.clock = clock;
  }

  /**
   * The template a pool clones now: its fixed template, or for a selector the newest build it
   * picked (the first provider's name of it), null while there is none.
   */
  private static String template(PoolRow pool, Map<String, String> current) {
    return pool.template() != null
        ? pool.template()
        : current.values().stream().findFirst().orElse(null);
  }

  public List<PoolView> pools() {
    Instant since = clock.instant().minus(FAILED_WINDOW);
    return db.inTransaction(
        session -> {
          PoolMapper pools = session.getMapper(PoolMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          Map<String, Map<String, Integer>> counts = grouped(vms.countLiveByPool());
          grouped(vms.countFailedByPoolSince(since))
              .forEach((pool, c) -> counts.computeIfAbsent(pool, p -> new HashMap<>()).putAll(c));
          List<PoolView> views = new ArrayList<>();
          for (PoolRow pool : pools.selectAll()) {
            Map<String, Integer> c = counts.getOrDefault(pool.name(), Map.of());
            Map<String, String> current = PoolTemplates.current(session, pool);
            int live = VmStates.LIVE.stream().mapToInt(s -> c.getOrDefault(s, 0)).sum();
            if (!pool.active() && live == 0) {
              continue; // removed from the config and fully drained: nothing left to show
            }
            views.add(
                new PoolView(
                    pool.name(),
                    pools.aliases(pool.name()),
                    pool.size(),
                    c.getOrDefault(VmStates.READY, 0),
                    c.getOrDefault(VmStates.PROVISIONING, 0),
                    c.getOrDefault(VmStates.LEASED, 0),
                    c.getOrDefault(VmStates.CLEANING, 0),
                    c.getOrDefault(VmStates.REUSABLE, 0),
                    c.getOrDefault(VmStates.DESTROYING, 0),
                    c.getOrDefault(VmStates.FAILED, 0),
                    template(pool, current),
                    pools.providers(pool.name()),
                    pool.active(),
                    pool.selector(),
                    current));
          }
          return views;
        });
  }

  public List<VmView> vms(String pool, String state, int limit) {
    return db.inTransaction(s -> s.getMapper(VmMapper.class).list(pool, state, limit)).stream()
        .map(VmView::of)
        .toList();
  }

  /** One VM with its snapshots, disks and tasks (snapshot, revert, disk) and how each went. */
  public record VmDetailView(
      @JsonUnwrapped VmView vm,
      List<VmTaskView.SnapshotView> snapshots,
      List<VmTaskView.DiskView> disks,
      List<VmTaskView> tasks) {}

  public VmDetailView vm(String name) {
    record Read(VmRow vm, List<VmTaskRow> tasks) {}
    Read read =
        db.inTransaction(
            s ->
                new Read(
                    s.getMapper(VmMapper.class).selectByName(name),
                    s.getMapper(VmTaskMapper.class).selectByVm(name)));
    if (read.vm() == null) {
      throw ApiException.notFound("unknown_vm", "no VM named " + name, Map.of("name", name));
    }
    return new VmDetailView(
        VmView.of(read.vm()),
        VmTaskView.snapshots(read.tasks()),
        VmTaskView.disks(read.tasks()),
        read.tasks().stream().map(VmTaskView::of).toList());
  }

  public List<ProviderView> providers() {
    return providers(true);
  }

  /**
   * The providers as {@link #providers()} shows them; without {@code askProviders}, from the
   * database alone ({@code vms} and {@code error} then null): what reads that must not wait on a
   * provider's listing (a vCenter's takes a while) use.
   */
  public List<ProviderView> providers(boolean askProviders) {
    List<ProviderRow> rows = db.inTransaction(s -> s.getMapper(ProviderMapper.class).selectAll());
    Map<String, Map<String, Integer>> counts =
        grouped(db.inTransaction(s -> s.getMapper(VmMapper.class).countLiveByProvider()));
    List<ProviderView> views = new ArrayList<>();
    for (ProviderRow row : rows) {
      if (!row.active() || !providers.contains(row.name())) {
        continue;
      }
      Map<String, Integer> c = counts.getOrDefault(row.name(), Map.of());
      int inventory = c.values().stream().mapToInt(Integer::intValue).sum();
      Integer reported = null;
      String error = null;
      if (askProviders) {
        try {
          VmProvider provider = providers.get(row.name());
          reported = provider.inventory().size();
        } catch (RuntimeException e) {
          error = e.getMessage();
        }
      }
      int provisioning = c.getOrDefault(VmStates.PROVISIONING, 0);
      record Read(ProviderHealth.Status health, int buildsRunning) {}
      Read read =
          db.inTransaction(
              s ->
                  new Read(
                      ProviderHealth.of(s.getMapper(VmMapper.class), row.name(), clock.instant()),
                      s.getMapper(BuildMapper.class).countInState(row.name(), BuildRow.RUNNING)));
      boolean off = row.disabled();
      views.add(
          new ProviderView(
              row.name(),
              row.type(),
              off ? "disabled" : read.health().key(),
              off ? null : read.health().retryAt(),
              row.maxVms(),
              row.maxConcurrentClones(),
              reported,
              inventory,
              provisioning,
              (double) inventory / row.maxVms(),
              off ? 0 : Math.max(0, row.maxConcurrentClones() - provisioning),
              row.maxConcurrentBuilds(),
              off ? 0 : Math.max(0, row.maxConcurrentBuilds() - read.buildsRunning()),
              error,
              row.disabledReason(),
              row.disabledBy(),
              row.disabledAt()));
    }
    return views;
  }

  private static Map<String, Map<String, Integer>> grouped(List<StateCount> counts) {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    for (StateCount c : counts) {
      out.computeIfAbsent(c.groupName(), g -> new HashMap<>())
          .merge(c.state(), c.count(), Integer::sum);
    }
    return out;
  }
}
