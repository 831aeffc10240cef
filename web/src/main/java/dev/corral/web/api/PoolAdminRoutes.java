package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
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
  private final PoolOverrides overrides;
  private final ObjectMapper json;

  public PoolAdminRoutes(PoolOverrides overrides, ObjectMapper json) {
    this.overrides = overrides;
    this.json = json;
  }

  public void register(Javalin app) {
    app.put("/v1/pools/{name}/size", ctx -> {
      JsonNode size = field(ctx, "size");
      if (!size.canConvertToInt() || !size.isIntegralNumber()) {
        throw ApiException.badRequest("size must be a whole number", Map.of("field", "size"));
      }
      overrides.setSizes(Map.of(name(ctx), size.asInt()));
      ctx.json(overrides.settings(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.delete("/v1/pools/{name}/size", ctx -> {
      overrides.resetSize(name(ctx));
      ctx.json(overrides.settings(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.put("/v1/pools/{name}/template", ctx -> {
      JsonNode template = field(ctx, "template");
      if (!template.isTextual()) {
        throw ApiException.badRequest("template must be a template name", Map.of("field", "template"));
      }
      overrides.setTemplates(Map.of(name(ctx), template.asText()));
      ctx.json(overrides.settings(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.delete("/v1/pools/{name}/template", ctx -> {
      overrides.resetTemplate(name(ctx));
      ctx.json(overrides.settings(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.put("/v1/pools/{name}/clone-target", ctx -> {
      JsonNode provider = field(ctx, "provider");
      if (!provider.isTextual()) {
        throw ApiException.badRequest("provider must be a provider name", Map.of("field", "provider"));
      }
      overrides.setCloneTargets(Map.of(name(ctx), provider.asText()));
      ctx.json(cloneTarget(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.delete("/v1/pools/{name}/clone-target", ctx -> {
      overrides.resetCloneTarget(name(ctx));
      ctx.json(cloneTarget(name(ctx)));
    }, AdminOnly.CHANGE_POOLS);
    app.post("/v1/pools/{name}/reset", ctx -> {
      int drained = overrides.reset(List.of(name(ctx)));
      ctx.status(202).json(Map.of("pool", name(ctx), "draining", drained));
    }, AdminOnly.CHANGE_POOLS);
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

  /** The one field of a body like {@code {"size": 5}}. */
  private JsonNode field(Context ctx, String name) throws Exception {
    JsonNode body = ctx.body().isBlank() ? null : json.readTree(ctx.body());
    if (body == null || !body.isObject() || !body.has(name) || body.size() != 1) {
      throw ApiException.badRequest("send JSON like {\"" + name + "\": ...} and nothing else", Map.of("field", name));
    }
    return body.get(name);
  }
}
