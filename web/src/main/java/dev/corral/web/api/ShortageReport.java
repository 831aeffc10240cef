package dev.corral.web.api;

import dev.corral.activities.inventory.PoolTemplates;
import dev.corral.activities.inventory.ProviderHealth;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolRoom;
import dev.corral.activities.store.PoolShortException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns "pool X is short" into an answer a user can act on: how many VMs of the pool are on their
 * way, and whether its providers are at {@code max_vms} (then waiting longer will not help unless
 * someone releases VMs). Runs only on the refusal path and for the dashboard, so claims pay nothing
 * for it.
 */
public final class ShortageReport {
  /** The code of the 503 a short pool answers. */
  static final String POOL_EMPTY = "pool_empty";

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
      PoolRoom room = room(pool);
      detail.put("provisioning", room.provisioning());
      detail.put("providers_at_capacity", room.fullProviders());
      detail.put("providers_disabled", room.disabledProviders());
      why = onTheWay(room);
    } catch (RuntimeException e) {
      // The explanation is a courtesy; the refusal itself must still reach the caller.
      why = "provisioning count unavailable";
    }
    return new ApiException(
        503, POOL_EMPTY, shortage.getMessage() + " (" + why + "); nothing was leased", detail);
  }

  /**
   * Why a pool holds fewer ready VMs than its {@code size}, one phrase per cause; empty when it is
   * not short (or removed from the config and draining). Built from what the API shows of the pool
   * and its providers ({@code GET /v1/pools}, {@code GET /v1/providers}) and the pool's room, as a
   * refused lease reports it.
   */
  public List<String> whyShort(
      InventoryViews.PoolView pool, List<InventoryViews.ProviderView> providers) {
    if (!pool.active() || pool.ready() >= pool.size()) {
      return List.of();
    }
    List<String> why = new ArrayList<>();
    if (pool.template() == null) {
      why.add(PoolTemplates.noTemplateReason(pool.name(), pool.templateSelector()));
    }
    PoolRoom room = room(pool.name());
    why.add(onTheWay(room));
    if (!room.atCapacity() && !room.fullProviders().isEmpty()) {
      why.add("at max_vms: " + String.join(", ", room.fullProviders()));
    }
    for (InventoryViews.ProviderView provider : providers) {
      if (!pool.providers().contains(provider.name())) {
        continue;
      }
      if (provider.error() != null) {
        why.add("provider " + provider.name() + " cannot list its VMs: " + provider.error());
      }
      if ("disabled".equals(provider.state())) {
        why.add("provider " + provider.name() + " is disabled: " + provider.disabledReason());
        continue;
      }
      if (!"ok".equals(provider.state())) {
        why.add(
            "provider "
                + provider.name()
                + " is failing (its last "
                + ProviderHealth.FAILING_AFTER
                + " VMs failed all their tries)"
                + (provider.retryAt() == null
                    ? ""
                    : "; a trial VM may try it from "
                        + provider.retryAt().truncatedTo(ChronoUnit.SECONDS)));
      }
      if (provider.cloneSlotsFree() == 0) {
        why.add(
            "provider "
                + provider.name()
                + " has no free clone slot (max_concurrent_clones "
                + provider.maxConcurrentClones()
                + ")");
      }
    }
    if (pool.failed() > 0) {
      why.add(
          pool.failed()
              + " VM(s) failed in the last "
              + InventoryViews.FAILED_WINDOW.toHours()
              + " h");
    }
    return why;
  }

  private PoolRoom room(String pool) {
    return db.inTransaction(session -> PoolRoom.read(session, pool));
  }

  /**
   * "2 provisioning", and when no provider of the pool has room, which ones are at {@code max_vms}
   * and which an operator disabled.
   */
  private static String onTheWay(PoolRoom room) {
    if (!room.atCapacity() || room.activeProviders() == 0) {
      return room.provisioning() + " provisioning";
    }
    List<String> parts = new ArrayList<>();
    if (!room.fullProviders().isEmpty()) {
      parts.add("at max_vms (" + String.join(", ", room.fullProviders()) + ")");
    }
    if (!room.disabledProviders().isEmpty()) {
      parts.add("disabled (" + String.join(", ", room.disabledProviders()) + ")");
    }
    return room.provisioning()
        + " provisioning, and every provider of the pool is "
        + String.join(" or ", parts);
  }
}
