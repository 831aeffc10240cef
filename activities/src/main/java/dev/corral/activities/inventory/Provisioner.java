package dev.corral.activities.inventory;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.model.VmRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
              // Reserved by an earlier attempt of this same activity: start it, do not count it twice.
              reserved.add(VmWorkflows.provisionRequest(pool, existing.name(), existing.provider(), existing.template()));
            }
          }
          List<String> fresh = names.stream().filter(name -> !known.contains(name)).toList();
          List<String> candidates = pools.providers(poolName);
          Map<String, Integer> counts = PoolPlanner.byState(vms.countLiveInPool(poolName));
          int deficit =
              pool.size() - counts.getOrDefault(VmStates.READY, 0) - counts.getOrDefault(VmStates.PROVISIONING, 0);
          Map<String, Room> rooms = new HashMap<>();
          String limitedBy = null;
          for (String name : fresh.subList(0, Math.max(0, Math.min(deficit, fresh.size())))) {
            String provider = null;
            for (String candidate : candidates) {
              Room room = rooms.computeIfAbsent(candidate, p -> Room.of(providers.selectForUpdate(p), vms));
              if (room.take()) {
                provider = candidate;
                break;
              }
            }
            if (provider == null) {
              limitedBy = describeLimits(rooms);
              break;
            }
            vms.insertProvisioning(name, poolName, provider, pool.template(), now);
            reserved.add(VmWorkflows.provisionRequest(pool, name, provider, pool.template()));
          }
          return new Reservation(reserved, limitedBy);
        });
  }


  private static String describeLimits(Map<String, Room> rooms) {
    List<String> parts = new ArrayList<>();
    rooms.forEach((name, room) -> parts.add(room.describe(name)));
    return String.join("; ", parts);
  }

  /** A provider's remaining room, counted once per reservation under the provider row's lock. */
  private static final class Room {
    private final ProviderRow provider;
    private int live;
    private int provisioning;

    private Room(ProviderRow provider, int live, int provisioning) {
      this.provider = provider;
      this.live = live;
      this.provisioning = provisioning;
    }

    static Room of(ProviderRow provider, VmMapper vms) {
      if (provider == null || !provider.active()) {
        return new Room(null, 0, 0);
      }
      Map<String, Integer> counts = PoolPlanner.byState(vms.countLiveOnProvider(provider.name()));
      int live = counts.values().stream().mapToInt(Integer::intValue).sum();
      return new Room(provider, live, counts.getOrDefault(VmStates.PROVISIONING, 0));
    }

    boolean take() {
      if (provider == null || live >= provider.maxVms() || provisioning >= provider.maxConcurrentClones()) {
        return false;
      }
      live++;
      provisioning++;
      return true;
    }

    String describe(String name) {
      if (provider == null) {
        return "provider " + name + " is not configured";
      }
      if (live >= provider.maxVms()) {
        return "provider " + name + " is at max_vms (" + provider.maxVms() + ")";
      }
      return "provider " + name + " is at max_concurrent_clones (" + provider.maxConcurrentClones() + ")";
    }
  }
}
