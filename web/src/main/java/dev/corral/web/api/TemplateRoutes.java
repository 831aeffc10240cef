package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** The /v1 routes of template groups, templates, builds and the tracker. */
public final class TemplateRoutes {
  private static final Set<String> BUILD_FIELDS = Set.of("template_id", "template", "provider");

  private final TemplateService templates;
  private final ObjectMapper json;

  public TemplateRoutes(TemplateService templates, ObjectMapper json) {
    this.templates = templates;
    this.json = json;
  }

  public void register(Javalin app) {
    app.get("/v1/template-groups", ctx -> ctx.json(templates.groups()));
    app.get("/v1/templates", ctx -> ctx.json(templates.templates(ctx.queryParam("group"), ctx.queryParam("state"))));
    app.get("/v1/templates/{id}", ctx -> ctx.json(templates.template(id(ctx))));
    // Writes change what every pool clones from, so with auth on they are an admin's; reads stay open.
    app.delete("/v1/templates/{id}", ctx -> ctx.json(templates.deleteTemplate(id(ctx))),
        AdminOnly.to("delete templates"));
    app.get("/v1/builds", ctx -> ctx.json(templates.builds(ctx.queryParam("group"), ctx.queryParam("state"))));
    app.get("/v1/builds/{id}", ctx -> ctx.json(templates.build(id(ctx))));
    app.post("/v1/builds", ctx -> ctx.status(201).json(templates.startBuild(sourceTemplate(ctx))),
        AdminOnly.to("start builds"));
    app.post("/v1/builds/{id}/retry", ctx -> ctx.status(201).json(templates.retry(id(ctx))),
        AdminOnly.to("retry builds"));
    app.post("/v1/builds/{id}/cancel", ctx -> ctx.status(202).json(templates.cancel(id(ctx))),
        AdminOnly.to("cancel builds"));
    app.post("/v1/tracker/poll", ctx -> ctx.status(202).json(templates.pollTracker()),
        AdminOnly.to("poll the tracker"));
  }

  private static long id(Context ctx) {
    String raw = ctx.pathParam("id");
    try {
      long id = Long.parseLong(raw);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw ApiException.badRequest("id must be a positive whole number (got '" + raw + "')", Map.of("field", "id", "value", raw));
  }

  /** {@code {"template_id": 12}} or {@code {"template": "debian-12-20261120", "provider": "sim"}}. */
  private long sourceTemplate(Context ctx) throws Exception {
    String text = ctx.body();
    JsonNode body = text.isBlank() ? null : json.readTree(text);
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("send {\"template_id\": N} or {\"template\": NAME, \"provider\": NAME}", Map.of());
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!BUILD_FIELDS.contains(field)) {
        throw ApiException.badRequest("unknown field '" + field + "'", Map.of("field", field, "allowed", BUILD_FIELDS));
      }
    }
    JsonNode id = body.get("template_id");
    if (id != null) {
      if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() < 1) {
        throw ApiException.badRequest("template_id must be a positive whole number", Map.of("field", "template_id"));
      }
      return id.asLong();
    }
    JsonNode name = body.get("template");
    JsonNode provider = body.get("provider");
    if (name == null || !name.isTextual() || provider == null || !provider.isTextual()) {
      throw ApiException.badRequest("give template_id, or both template and provider as strings",
          Map.of("fields", BUILD_FIELDS));
    }
    return templates.templateId(provider.asText(), name.asText());
  }
}
