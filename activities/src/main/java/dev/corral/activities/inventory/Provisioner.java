package dev.corral.activities.inventory;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.VmTemplateMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.TemplateCount;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.model.VmRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reserves VM rows for a pool within its providers' limits. The provider rows are locked for the
 * reservation, so pools sharing a provider (even in other Corral instances) cannot overshoot its
 * max_vms or max_concurrent_clones together.
 */
public final class Provisioner {
  private final Db db;
  private final Clock clock;

  public Provisioner(Db db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  /** What was reserved: the VMs to start, and why fewer than asked (or null). */
  public record Reservation(List<VmRequest> vms, String limitedBy) {}

  public Reservation reserve(String poolName, List<String> names) {
    if (names.isEmpty()) {
      return new Reservation(List.of(), null);
    }
    Instant now = clock.instant();
    return db.inTransaction(
        session -> {
          PoolMapper pools = session.getMapper(PoolMapper.class);
          VmMapper vms = session.getMapper(VmMapper.class);
          ProviderMapper providers = session.getMapper(ProviderMapper.class);
          PoolRow pool = pools.selectByName(poolName);
          if (pool == null || !pool.active()) {
            return new Reservation(List.of(), "pool " + poolName + " is not configured");
          }
          List<VmRequest> reserved = new ArrayList<>();
          Set<String> known = new HashSet<>();
          for (VmRow existing : vms.selectByNames(names)) {
            known.add(existing.name());
            if (VmStates.PROVISIONING.equals(existing.state())) {
              // Reserved by an earlier attempt of this same activity: start it, do not count it
              // twice.
              reserved.add(
                  VmWorkflows.provisionRequest(
                      pool, existing.name(), existing.provider(), existing.template()));
            }
          }
          List<String> fresh = names.stream().filter(name -> !known.contains(name)).toList();
          Map<String, String> current = PoolTemplates.current(session, pool);
          List<TemplateCount> counts =
              session.getMapper(VmTemplateMapper.class).countByTemplate(poolName);
          PoolDemand demand = PoolDemand.read(session, poolName, current, counts, now);
          List<Clone> wanted = wanted(pool, current, counts, demand);
          if (wanted.isEmpty() && current.isEmpty()) {
            return new Reservation(reserved, PoolTemplates.noTemplateReason(pool));
          }
          Set<String> candidates = new TreeSet<>();
          wanted.forEach(w -> candidates.addAll(w.templateOn().keySet()));
          // Locked in name order, so pools listing the same providers in other orders cannot
          // deadlock.
          Map<String, Room> rooms = new LinkedHashMap<>();
          for (String candidate : candidates) {
            rooms.put(candidate, Room.of(providers.selectForUpdate(candidate), vms));
          }
          // A failing provider is skipped while another can take the VMs; if all are failing, the
          // pool's own backoff paces the retries instead. A half-open one gets one trial VM at a
          // time.
          List<String> failing = new ArrayList<>();
          for (Map.Entry<String, Room> room : rooms.entrySet()) {
            ProviderHealth.Status status = ProviderHealth.of(vms, room.getKey(), now);
            ProviderHealth.noticed(room.getKey(), status);
            ProviderHealth.State health = status.state();
            if (health == ProviderHealth.State.FAILING) {
              failing.add(room.getKey());
            } else if (health == ProviderHealth.State.HALF_OPEN) {
              room.getValue().trialOnly();
            }
          }
          if (failing.size() < rooms.size()) {
            failing.forEach(rooms::remove);
          }
          String limitedBy = null;
          int next = 0;
          for (Clone clone : wanted.subList(0, Math.min(wanted.size(), fresh.size()))) {
            // The least-loaded provider with room; ties go to the pool's order of preference.
            String provider =
                clone.templateOn().keySet().stream()
                    .filter(p -> rooms.containsKey(p) && rooms.get(p).canTake())
                    .min(Comparator.comparingDouble(p -> rooms.get(p).load()))
                    .orElse(null);
            if (provider == null) {
              limitedBy = describeLimits(rooms, clone.templateOn().keySet());
              continue;
            }
            rooms.get(provider).take();
            String name = fresh.get(next++);
            String template = clone.templateOn().get(provider);
            vms.insertProvisioning(name, poolName, provider, template, now);
            reserved.add(VmWorkflows.provisionRequest(pool, name, provider, template));
          }
          return new Reservation(reserved, limitedBy);
        });
  }

  /**
   * One VM to clone: the template it may be cloned from on each provider that may take it, in the
   * pool's order of preference.
   */
  private record Clone(Map<String, String> templateOn) {}

  /**
   * The clones the pool misses, most specific first: those of builds its waiting leases asked for
   * (only the providers holding that build can take them), then its current templates' up to {@code
   * size} plus what its other waiting leases still miss.
   */
  private static List<Clone> wanted(
      PoolRow pool, Map<String, String> current, List<TemplateCount> counts, PoolDemand demand) {
    List<Clone> wanted = new ArrayList<>();
    for (PoolDemand.BuildDemand build : demand.builds()) {
      Map<String, String> templateOn = new LinkedHashMap<>();
      build.holders().forEach(p -> templateOn.put(p, build.template()));
      for (int i = 0; i < build.toClone(); i++) {
        wanted.add(new Clone(templateOn));
      }
    }
    if (!current.isEmpty()) {
      PoolPlanner.TemplateCounts ofCurrent = PoolPlanner.TemplateCounts.of(counts, current);
      int deficit =
          pool.size()
              + demand.forCurrent()
              - ofCurrent.readyCurrent
              - ofCurrent.provisioningCurrent;
      for (int i = 0; i < deficit; i++) {
        wanted.add(new Clone(current));
      }
    }
    return wanted;
  }

  private static String describeLimits(Map<String, Room> rooms, Set<String> candidates) {
    List<String> parts = new ArrayList<>();
    rooms.forEach(
        (name, room) -> {
          if (candidates.contains(name)) {
            parts.add(room.describe(name));
          }
        });
    return String.join("; ", parts);
  }

  /** A provider's remaining room, counted once per reservation under the provider row's lock. */
  private static final class Room {
    private final ProviderRow provider;
    private int live;
    private int provisioning;
    private boolean trialOnly;

    private Room(ProviderRow provider, int live, int provisioning) {
      this.provider = provider;
      this.live = live;
      this.provisioning = provisioning;
    }

    static Room of(ProviderRow provider, VmMapper vms) {
      if (provider == null || !provider.active()) {
        return new Room(null, 0, 0);
      }
      if (provider.disabled()) {
        return new Room(provider, 0, 0);
      }
      Map<String, Integer> counts = PoolPlanner.byState(vms.countLiveOnProvider(provider.name()));
      int live = counts.values().stream().mapToInt(Integer::intValue).sum();
      return new Room(provider, live, counts.getOrDefault(VmStates.PROVISIONING, 0));
    }

    boolean canTake() {
      return provider != null
          && !provider.disabled()
          && live < provider.maxVms()
          && provisioning < provider.maxConcurrentClones()
          && !(trialOnly && provisioning > 0);
    }

    /**
     * A half-open provider: one VM provisioning at a time, whose outcome closes or reopens its
     * breaker.
     */
    void trialOnly() {
      trialOnly = true;
    }

    /** The share of the provider's VM limit in use. */
    double load() {
      return provider == null || provider.disabled() ? 1 : (double) live / provider.maxVms();
    }

    void take() {
      live++;
      provisioning++;
    }

    String describe(String name) {
      if (provider == null) {
        return "provider " + name + " is not configured";
      }
      if (provider.disabled()) {
        return "provider " + name + " is disabled (" + provider.disabledReason() + ")";
      }
      if (live >= provider.maxVms()) {
        return "provider " + name + " is at max_vms (" + provider.maxVms() + ")";
      }
      return "provider "
          + name
          + " is at max_concurrent_clones ("
          + provider.maxConcurrentClones()
          + ")";
    }
  }
}
