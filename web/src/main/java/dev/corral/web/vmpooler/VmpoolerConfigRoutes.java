package dev.corral.web.vmpooler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.CorralConfig;
import dev.corral.config.Reloadable;
import dev.corral.web.api.ApiException;
import dev.corral.web.api.InventoryViews;
import dev.corral.web.api.PoolOverrides;
import dev.corral.web.api.RequestBodies;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * vmpooler's {@code config} read and its pool writes ({@code config/poolsize}, {@code
 * config/pooltemplate}, {@code poolreset}). The writes are admin only and go through {@link
 * PoolOverrides}, the service behind the native {@code /v1/pools/{name}/...} writes; this class
 * only translates vmpooler's bodies and replies.
 */
public final class VmpoolerConfigRoutes implements VmpoolerRoutes.Part, Reloadable {
  private final PoolOverrides overrides;
  private final InventoryViews views;
  private final RequestBodies bodies;
  private volatile CorralConfig config;
  private final Instant startedAt;
  private final Clock clock;

  public VmpoolerConfigRoutes(
      PoolOverrides overrides,
      InventoryViews views,
      ObjectMapper json,
      CorralConfig config,
      Instant startedAt,
      Clock clock) {
    this.overrides = overrides;
    this.views = views;
    this.bodies = new RequestBodies(json);
    this.config = config;
    this.startedAt = startedAt;
    this.clock = clock;
  }

  @Override
  public void reload(CorralConfig config) {
    this.config = config;
  }

  @Override
  public void register(Javalin app, String base) {
    app.get(base + "/config", this::config);
    app.get(base + "/full_config", this::fullConfig, AdminOnly.CHANGE_POOLS);
    app.post(base + "/config/poolsize", this::setPoolSize, AdminOnly.CHANGE_POOLS);
    app.delete(base + "/config/poolsize/{pool}", this::resetPoolSize, AdminOnly.CHANGE_POOLS);
    app.post(base + "/config/pooltemplate", this::setPoolTemplate, AdminOnly.CHANGE_POOLS);
    app.delete(
        base + "/config/pooltemplate/{pool}", this::resetPoolTemplate, AdminOnly.CHANGE_POOLS);
    app.post(base + "/config/clonetarget", this::setCloneTarget, AdminOnly.CHANGE_POOLS);
    app.delete(base + "/config/clonetarget/{pool}", this::resetCloneTarget, AdminOnly.CHANGE_POOLS);
    app.post(base + "/poolreset", this::poolReset, AdminOnly.CHANGE_POOLS);
  }

  /**
   * The pools as they run now (overrides applied). Pool settings only: nothing here is a secret.
   */
  private void config(Context ctx) {
    List<Map<String, Object>> pools = new ArrayList<>();
    for (InventoryViews.PoolView pool : views.pools()) {
      if (!pool.active()) {
        continue;
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", pool.name());
      p.put("alias", pool.alias());
      p.put("template", pool.template());
      p.put("size", pool.size());
      p.put("provider", pool.providers().isEmpty() ? null : pool.providers().get(0));
      p.put("providers", pool.providers());
      p.put("template_ready", !pool.currentTemplates().isEmpty());
      pools.add(p);
    }
    ctx.json(Map.of("pool_configuration", pools, "status", Map.of("ok", true)));
  }

  /**
   * Admins only when auth is on: even without secrets, users and quotas are not everyone's
   * business.
   */
  private void fullConfig(Context ctx) {
    ctx.json(
        Map.of(
            "full_config",
            VmpoolerFullConfig.of(config, startedAt, clock.instant()),
            "status",
            Map.of("ok", true)));
  }

  /** {@code {"pool": "size"}}: 201 when a size changed, 200 when all were already so. */
  private void setPoolSize(Context ctx) throws Exception {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    List<String> bad = new ArrayList<>();
    pools(ctx)
        .forEach(
            (pool, value) -> {
              Integer size = VmpoolerValues.wholeNumber(value);
              if (size == null) {
                bad.add(pool);
              }
              sizes.put(pool, size);
            });
    if (!bad.isEmpty()) {
      throw VmpoolerErrors.Rejection.of(
          400,
          "pool sizes must be whole numbers from 0 to " + PoolOverrides.MAX_SIZE,
          "not_configured",
          bad);
    }
    boolean changed;
    try {
      changed = overrides.setSizes(sizes);
    } catch (ApiException e) {
      throw rejection(e, "not_configured");
    }
    ctx.status(changed ? 201 : 200).json(Map.of("ok", true));
  }

  private void resetPoolSize(Context ctx) {
    PoolOverrides.SizeReset reset = overrides.resetSize(ctx.pathParam("pool"));
    if (!reset.changed()) {
      ctx.json(Map.of("ok", true));
      return;
    }
    ctx.status(201)
        .json(
            VmpoolerStatus.ordered(
                "ok",
                true,
                "pool_size_before_reset",
                reset.sizeBeforeReset(),
                "pool_size_before_overrides",
                reset.sizeBeforeOverrides()));
  }

  /**
   * {@code {"pool": "template"}}: the template must be one Corral knows on one of the pool's
   * providers.
   */
  private void setPoolTemplate(Context ctx) throws Exception {
    Map<String, String> templates =
        namesByPool(ctx, "a template must be a template name", "bad_templates");
    answerOverride(ctx, () -> overrides.setTemplates(templates), "bad_templates");
  }

  private void resetPoolTemplate(Context ctx) {
    PoolOverrides.TemplateReset reset = overrides.resetTemplate(ctx.pathParam("pool"));
    if (!reset.changed()) {
      ctx.json(Map.of("ok", true));
      return;
    }
    ctx.status(201)
        .json(
            VmpoolerStatus.ordered(
                "ok",
                true,
                "template_before_reset",
                reset.templateBeforeReset(),
                "template_before_overrides",
                reset.templateBeforeOverrides()));
  }

  /**
   * {@code {"pool": "provider"}}: the pool clones on that one of its providers only. vmpooler's
   * clone target is a vSphere cluster; Corral's is a provider.
   */
  private void setCloneTarget(Context ctx) throws Exception {
    Map<String, String> targets =
        namesByPool(ctx, "a clone target must be a provider name", "bad_clone_targets");
    answerOverride(ctx, () -> overrides.setCloneTargets(targets), "bad_clone_targets");
  }

  /**
   * A {@code {"pool": "name"}} body: each value must be a name; the pools whose value is not are
   * refused together, under {@code badKey}, as vmpooler does.
   */
  private Map<String, String> namesByPool(Context ctx, String message, String badKey)
      throws Exception {
    Map<String, String> names = new LinkedHashMap<>();
    List<String> bad = new ArrayList<>();
    pools(ctx)
        .forEach(
            (pool, value) -> {
              String name = VmpoolerValues.name(value);
              if (name == null) {
                bad.add(pool);
              }
              names.put(pool, name);
            });
    if (!bad.isEmpty()) {
      throw VmpoolerErrors.Rejection.of(400, message, badKey, bad);
    }
    return names;
  }

  /**
   * Makes a name override and answers as vmpooler does: 201 when it changed something, 200 when it
   * did not; an unknown pool is {@code not_configured}, an unknown name is {@code badKey}.
   */
  private void answerOverride(Context ctx, BooleanSupplier change, String badKey) {
    boolean changed;
    try {
      changed = change.getAsBoolean();
    } catch (ApiException e) {
      throw rejection(e, e.status() == 404 ? "not_configured" : badKey);
    }
    ctx.status(changed ? 201 : 200).json(Map.of("ok", true));
  }

  /** Corral's undo, which vmpooler lacks: the pool clones on all its configured providers again. */
  private void resetCloneTarget(Context ctx) {
    PoolOverrides.CloneTargetReset reset = overrides.resetCloneTarget(ctx.pathParam("pool"));
    if (!reset.changed()) {
      ctx.json(Map.of("ok", true));
      return;
    }
    ctx.status(201)
        .json(
            VmpoolerStatus.ordered(
                "ok",
                true,
                "clone_target_before_reset",
                reset.cloneTargetBeforeReset(),
                "providers_before_overrides",
                reset.providersAsConfigured()));
  }

  /**
   * {@code {"pool": "1"}}: drains each pool's ready and provisioning VMs; the pools refill at once.
   */
  private void poolReset(Context ctx) throws Exception {
    List<String> pools = new ArrayList<>(pools(ctx).keySet());
    try {
      overrides.reset(pools);
    } catch (ApiException e) {
      throw rejection(e, "bad_pools");
    }
    ctx.status(201).json(Map.of("ok", true));
  }

  /** A body that must be a non-empty JSON object of pool name to value, in the order sent. */
  private Map<String, Object> pools(Context ctx) throws JsonProcessingException {
    Map<String, Object> body = bodies.readFields(ctx, "{\"pool\": \"1\"}");
    if (body.isEmpty()) {
      throw new VmpoolerErrors.Rejection(
          400, "send a JSON object of pool name to value, like {\"pool\": \"1\"}", Map.of());
    }
    return body;
  }

  /** The service's refusal in vmpooler's shape: 400 naming the pools under vmpooler's key. */
  @SuppressWarnings("unchecked")
  private static VmpoolerErrors.Rejection rejection(ApiException e, String key) {
    Object pools = e.detail().get("pools");
    List<String> names = pools instanceof List<?> list ? (List<String>) list : List.of();
    return VmpoolerErrors.Rejection.of(400, e.getMessage(), key, names);
  }
}
