package dev.corral.activities.store;

import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmStates;
import java.util.ArrayList;
import java.util.List;
import org.apache.ibatis.session.SqlSession;

/**
 * Why a pool cannot serve a request right now: how many of its VMs are ready and on their way, and
 * which of its active providers are at {@code max_vms}. Read only on refusal and waiting paths,
 * where a user needs to know whether waiting will help.
 *
 * @param fullProviders the pool's active providers that have no room for another VM
 * @param disabledProviders the pool's active providers an operator disabled (they take no new VMs)
 * @param activeProviders how many active providers the pool has
 */
public record PoolRoom(
    int ready,
    int provisioning,
    List<String> fullProviders,
    List<String> disabledProviders,
    int activeProviders) {
  public PoolRoom {
    fullProviders = List.copyOf(fullProviders);
    disabledProviders = List.copyOf(disabledProviders);
  }

  /** True when no active provider of the pool has room for one more VM (full or disabled). */
  public boolean atCapacity() {
    return fullProviders.size() + disabledProviders.size() >= activeProviders;
  }

  /** Reads it in the caller's transaction. */
  public static PoolRoom read(SqlSession session, String pool) {
    VmMapper vms = session.getMapper(VmMapper.class);
    ProviderMapper providers = session.getMapper(ProviderMapper.class);
    int ready = 0;
    int provisioning = 0;
    for (StateCount c : vms.countLiveInPool(pool)) {
      if (VmStates.READY.equals(c.state())) {
        ready += c.count();
      } else if (VmStates.PROVISIONING.equals(c.state())) {
        provisioning += c.count();
      }
    }
    List<String> full = new ArrayList<>();
    List<String> disabled = new ArrayList<>();
    int active = 0;
    for (String name : session.getMapper(PoolMapper.class).providers(pool)) {
      ProviderRow provider = providers.selectByName(name);
      if (provider == null || !provider.active()) {
        continue;
      }
      active++;
      if (provider.disabled()) {
        disabled.add(name);
        continue;
      }
      int live = vms.countLiveOnProvider(name).stream().mapToInt(StateCount::count).sum();
      if (live >= provider.maxVms()) {
        full.add(name);
      }
    }
    return new PoolRoom(ready, provisioning, full, disabled, active);
  }
}
