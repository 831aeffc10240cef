package dev.corral.web.api;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.PoolShortException;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.ProviderRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmStates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns "pool X is short" into an answer a user can act on: how many VMs of the pool are on their
 * way, and whether its providers are at {@code max_vms} (then waiting longer will not help unless
 * someone releases VMs). Runs only on the refusal path, so claims pay nothing for it.
 */
public final class ShortageReport {
  private final Db db;

  public ShortageReport(Db db) {
    this.db = db;
  }

  public ApiException explain(PoolShortException shortage) {
    String pool = shortage.pool();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("pool", pool);
    detail.put("requested", shortage.requested());
    detail.put("ready", shortage.ready());
    String why;
    try {
      Facts facts = facts(pool);
      detail.put("provisioning", facts.provisioning());
      detail.put("providers_at_capacity", facts.full());
      why = facts.full().isEmpty() || facts.full().size() < facts.providers()
          ? facts.provisioning() + " provisioning"
          : facts.provisioning() + " provisioning, and every provider of the pool is at max_vms ("
              + String.join(", ", facts.full()) + ")";
    } catch (RuntimeException e) {
      // The explanation is a courtesy; the refusal itself must still reach the caller.
      why = "provisioning count unavailable";
    }
    return new ApiException(503, "pool_empty",
        shortage.getMessage() + " (" + why + "); nothing was leased", detail);
  }

  private record Facts(int provisioning, List<String> full, int providers) {}

  private Facts facts(String pool) {
    return db.inTransaction(
        session -> {
          VmMapper vms = session.getMapper(VmMapper.class);
          int provisioning = vms.countLiveInPool(pool).stream()
              .filter(c -> c.state().equals(VmStates.PROVISIONING)).mapToInt(StateCount::count).sum();
          List<String> providers = session.getMapper(PoolMapper.class).providers(pool);
          List<String> full = new ArrayList<>();
          for (String name : providers) {
            ProviderRow provider = session.getMapper(ProviderMapper.class).selectByName(name);
            int live = vms.countLiveOnProvider(name).stream().mapToInt(StateCount::count).sum();
            if (provider != null && live >= provider.maxVms()) {
              full.add(name);
            }
          }
          return new Facts(provisioning, full, providers.size());
        });
  }
}
