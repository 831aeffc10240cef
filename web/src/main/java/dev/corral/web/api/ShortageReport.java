package dev.corral.web.api;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolRoom;
import dev.corral.activities.store.PoolShortException;
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
      PoolRoom room = db.inTransaction(session -> PoolRoom.read(session, pool));
      detail.put("provisioning", room.provisioning());
      detail.put("providers_at_capacity", room.fullProviders());
      detail.put("providers_disabled", room.disabledProviders());
      why = !room.atCapacity() || room.activeProviders() == 0
          ? room.provisioning() + " provisioning"
          : room.provisioning() + " provisioning, and every provider of the pool is " + noRoom(room);
    } catch (RuntimeException e) {
      // The explanation is a courtesy; the refusal itself must still reach the caller.
      why = "provisioning count unavailable";
    }
    return new ApiException(503, "pool_empty",
        shortage.getMessage() + " (" + why + "); nothing was leased", detail);
  }

  private static String noRoom(PoolRoom room) {
    List<String> parts = new ArrayList<>();
    if (!room.fullProviders().isEmpty()) {
      parts.add("at max_vms (" + String.join(", ", room.fullProviders()) + ")");
    }
    if (!room.disabledProviders().isEmpty()) {
      parts.add("disabled (" + String.join(", ", room.disabledProviders()) + ")");
    }
    return String.join(" or ", parts);
  }
}
