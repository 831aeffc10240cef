package dev.corral.web.api;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.web.auth.Caller;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator takes a provider out of placement and puts it back ({@code POST
 * /v1/providers/{name}/disable}, {@code /enable}). Disabled, it gets no new clones and starts no
 * template builds (queued builds wait); its VMs stay, leases of them go on, and the reconciler
 * keeps checking it. The flag is in the database, so every instance honours it at once and it
 * survives restarts and config reloads.
 */
public final class ProviderAdmin {
  private static final Logger log = LoggerFactory.getLogger(ProviderAdmin.class);
  private static final int MAX_REASON = 255;

  /** What a disable's reason must be. */
  static final String REASON = "text of 1 to " + MAX_REASON + " characters";

  private final Db db;
  private final ProviderRegistry providers;
  private final InventoryViews views;
  private final ShepherdNudger nudger;
  private final Clock clock;

  public ProviderAdmin(
      Db db, ProviderRegistry providers, InventoryViews views, ShepherdNudger nudger, Clock clock) {
    this.db = db;
    this.providers = providers;
    this.views = views;
    this.nudger = nudger;
    this.clock = clock;
  }

  /** {@code reason}, optional, shows in /v1/providers and in why pools are short. */
  public InventoryViews.ProviderView disable(Caller caller, String name, String reason) {
    requireKnown(providers, name);
    String who = caller.user() == null ? "an operator" : caller.user();
    if (reason != null && (reason.isBlank() || reason.length() > MAX_REASON)) {
      throw RequestBodies.badValue("reason", REASON);
    }
    String why = reason == null ? "disabled by " + who : reason.strip();
    db.inTransaction(
        s ->
            s.getMapper(ProviderMapper.class)
                .setDisabled(name, why, caller.user(), clock.instant()));
    log.info("provider {} disabled by {}: {}", name, who, why);
    return view(name);
  }

  public InventoryViews.ProviderView enable(Caller caller, String name) {
    requireKnown(providers, name);
    int changed =
        db.inTransaction(
            s -> s.getMapper(ProviderMapper.class).clearDisabled(name, clock.instant()));
    if (changed > 0) {
      log.info(
          "provider {} enabled by {}", name, caller.user() == null ? "an operator" : caller.user());
      // Pools short for want of room plan again now instead of at their next timer.
      List<PoolRow> pools = db.inTransaction(s -> s.getMapper(PoolMapper.class).selectAll());
      pools.stream().filter(PoolRow::active).forEach(pool -> nudger.vmChanged(pool.name()));
    }
    return view(name);
  }

  private InventoryViews.ProviderView view(String name) {
    return views.providers().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  /** 404 naming the known providers when {@code name} is not one. */
  static void requireKnown(ProviderRegistry providers, String name) {
    if (!providers.contains(name)) {
      throw ApiException.notFound(
          "unknown_provider",
          "no provider named " + ApiException.clip(name),
          Map.of("provider", ApiException.clip(name), "known", List.copyOf(providers.names())));
    }
  }
}
