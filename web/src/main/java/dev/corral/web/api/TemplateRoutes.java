package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** The /v1 routes of template groups, templates, builds and the tracker. */
public final class TemplateRoutes {
  private static final String TEMPLATE_ID = "a positive whole number";

  private final TemplateService templates;
  private final TemplateChoices choices;
  private final RequestBodies bodies;

  public TemplateRoutes(TemplateService templates, TemplateChoices choices, ObjectMapper json) {
    this.choices = choices;
    this.templates = templates;
    this.bodies = new RequestBodies(json);
  }

  /** The template a build starts from: by its id, or by its name on a provider. */
  private record Build(
      @JsonPropertyDescription(TEMPLATE_ID) Long templateId, String template, String provider) {
    static final String EXAMPLE =
        "{\"template_id\": N} or {\"template\": NAME, \"provider\": NAME}";

    Build {
      if (templateId != null && templateId < 1) {
        throw RequestBodies.badValue("template_id", TEMPLATE_ID);
      }
      if (templateId == null && (template == null || provider == null)) {
        throw ApiException.badRequest(
            "give template_id, or both template and provider as strings",
            Map.of("fields", List.of("template_id", "template", "provider")));
      }
    }
  }

  public void register(Javalin app) {
    app.get("/v1/template-groups", ctx -> ctx.json(templates.groups()));
    // What a lease by template group can get, step by step; answers depend on who asks.
    app.get(
        "/v1/template-groups/{group}/versions",
        ctx ->
            ctx.json(choices.versions(RequestCaller.of(ctx), ctx.pathParam("group"), kind(ctx))));
    app.get(
        "/v1/template-groups/{group}/versions/{version}/dates",
        ctx ->
            ctx.json(
                choices.dates(
                    RequestCaller.of(ctx),
                    ctx.pathParam("group"),
                    ctx.pathParam("version"),
                    kind(ctx))));
    app.get(
        "/v1/template-groups/{group}/versions/{version}/dates/{date}/providers",
        ctx ->
            ctx.json(
                choices.providers(
                    RequestCaller.of(ctx),
                    ctx.pathParam("group"),
                    ctx.pathParam("version"),
                    ctx.pathParam("date"),
                    kind(ctx))));
    app.get(
        "/v1/templates",
        ctx -> ctx.json(templates.templates(ctx.queryParam("group"), ctx.queryParam("state"))));
    app.get("/v1/templates/{id}", ctx -> ctx.json(templates.template(id(ctx))));
    // Writes change what every pool clones from, so with auth on they are an admin's; reads stay
    // open.
    app.delete(
        "/v1/templates/{id}",
        ctx -> ctx.json(templates.deleteTemplate(id(ctx))),
        AdminOnly.to("delete templates"));
    app.get(
        "/v1/builds",
        ctx -> ctx.json(templates.builds(ctx.queryParam("group"), ctx.queryParam("state"))));
    app.get("/v1/builds/{id}", ctx -> ctx.json(templates.build(id(ctx))));
    app.post(
        "/v1/builds",
        ctx -> ctx.status(201).json(templates.startBuild(sourceTemplate(ctx))),
        AdminOnly.to("start builds"));
    app.post(
        "/v1/builds/{id}/retry",
        ctx -> ctx.status(201).json(templates.retry(id(ctx))),
        AdminOnly.to("retry builds"));
    app.post(
        "/v1/builds/{id}/cancel",
        ctx -> ctx.status(202).json(templates.cancel(id(ctx))),
        AdminOnly.to("cancel builds"));
    app.post(
        "/v1/tracker/poll",
        ctx -> ctx.status(202).json(templates.pollTracker()),
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
    throw ApiException.badRequest(
        "id must be a positive whole number (got '" + raw + "')",
        Map.of("field", "id", "value", raw));
  }

  /**
   * {@code {"template_id": 12}} or {@code {"template": "debian-12-20261120", "provider": "sim"}}.
   */
  private long sourceTemplate(Context ctx) throws Exception {
    Build body = bodies.read(ctx, Build.class, Build.EXAMPLE);
    return body.templateId() != null
        ? body.templateId()
        : templates.templateId(body.provider(), body.template());
  }

  private static TemplateChoices.Kind kind(Context ctx) {
    return TemplateChoices.Kind.of(ctx.queryParam("prepared"), ctx.queryParam("container"));
  }
}
