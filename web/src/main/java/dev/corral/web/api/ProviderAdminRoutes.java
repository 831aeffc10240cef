package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;

/** Taking a provider out of placement and back: an admin's call when auth is on. */
public final class ProviderAdminRoutes {
  private final ProviderAdmin admin;
  private final RequestBodies bodies;

  public ProviderAdminRoutes(ProviderAdmin admin, ObjectMapper json) {
    this.admin = admin;
    this.bodies = new RequestBodies(json);
  }

  /**
   * The optional body of a disable; the reason shows in /v1/providers and in why pools are short.
   */
  private record Disable(@JsonPropertyDescription(ProviderAdmin.REASON) String reason) {}

  public void register(Javalin app) {
    app.post(
        "/v1/providers/{name}/disable",
        ctx -> {
          Disable body = bodies.readIfAny(ctx, Disable.class, "{\"reason\": \"new disks\"}");
          ctx.json(
              admin.disable(
                  RequestCaller.of(ctx),
                  ctx.pathParam("name"),
                  body == null ? null : body.reason()));
        },
        AdminOnly.to("disable a provider"));
    app.post(
        "/v1/providers/{name}/enable",
        ctx -> ctx.json(admin.enable(RequestCaller.of(ctx), ctx.pathParam("name"))),
        AdminOnly.to("enable a provider"));
  }
}
