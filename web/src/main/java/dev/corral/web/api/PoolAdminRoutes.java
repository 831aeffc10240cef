package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The native pool writes (admin only): size and template overrides and their undo, and a reset. The
 * same {@link PoolOverrides} serves vmpooler's {@code /api/v3/config} writes.
 */
public final class PoolAdminRoutes {
  private static final String SIZE = "a whole number";
  private static final String TEMPLATE = "a template name";
  private static final String PROVIDER = "a provider name";

  private final PoolOverrides overrides;
  private final RequestBodies bodies;

  public PoolAdminRoutes(PoolOverrides overrides, ObjectMapper json) {
    this.overrides = overrides;
    this.bodies = new RequestBodies(json);
  }

  private record Size(@JsonPropertyDescription(SIZE) Integer size) {
    Size {
      RequestBodies.required(size, "size", SIZE);
    }
  }

  private record Template(@JsonPropertyDescription(TEMPLATE) String template) {
    Template {
      RequestBodies.required(template, "template", TEMPLATE);
    }
  }

  private record CloneTarget(@JsonPropertyDescription(PROVIDER) String provider) {
    CloneTarget {
      RequestBodies.required(provider, "provider", PROVIDER);
    }
  }

  public void register(Javalin app) {
    app.put(
        "/v1/pools/{name}/size",
        ctx -> {
          Size body = bodies.read(ctx, Size.class, "{\"size\": 5}");
          overrides.setSizes(Map.of(name(ctx), body.size()));
          ctx.json(overrides.settings(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.delete(
        "/v1/pools/{name}/size",
        ctx -> {
          overrides.resetSize(name(ctx));
          ctx.json(overrides.settings(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.put(
        "/v1/pools/{name}/template",
        ctx -> {
          Template body =
              bodies.read(ctx, Template.class, "{\"template\": \"debian-12-20261120\"}");
          overrides.setTemplates(Map.of(name(ctx), body.template()));
          ctx.json(overrides.settings(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.delete(
        "/v1/pools/{name}/template",
        ctx -> {
          overrides.resetTemplate(name(ctx));
          ctx.json(overrides.settings(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.put(
        "/v1/pools/{name}/clone-target",
        ctx -> {
          CloneTarget body = bodies.read(ctx, CloneTarget.class, "{\"provider\": \"sim\"}");
          overrides.setCloneTargets(Map.of(name(ctx), body.provider()));
          ctx.json(cloneTarget(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.delete(
        "/v1/pools/{name}/clone-target",
        ctx -> {
          overrides.resetCloneTarget(name(ctx));
          ctx.json(cloneTarget(name(ctx)));
        },
        AdminOnly.CHANGE_POOLS);
    app.post(
        "/v1/pools/{name}/reset",
        ctx -> {
          int drained = overrides.reset(List.of(name(ctx)));
          ctx.status(202).json(Map.of("pool", name(ctx), "draining", drained));
        },
        AdminOnly.CHANGE_POOLS);
  }

  private Map<String, Object> cloneTarget(String pool) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("pool", pool);
    view.put("clone_target", overrides.cloneTarget(pool));
    return view;
  }

  private static String name(Context ctx) {
    return ctx.pathParam("name");
  }
}
