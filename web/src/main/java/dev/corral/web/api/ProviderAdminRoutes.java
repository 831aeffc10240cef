package dev.corral.web.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;

/** Taking a provider out of placement and back: an admin's call when auth is on. */
public final class ProviderAdminRoutes {
  private final ProviderAdmin admin;
  private final ObjectMapper json;

  public ProviderAdminRoutes(ProviderAdmin admin, ObjectMapper json) {
    this.admin = admin;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/providers/{name}/disable", ctx -> {
      String body = ctx.body();
      ctx.json(admin.disable(RequestCaller.of(ctx), ctx.pathParam("name"), body.isBlank() ? null : json.readTree(body)));
    }, AdminOnly.to("disable a provider"));
    app.post("/v1/providers/{name}/enable", ctx -> ctx.json(admin.enable(RequestCaller.of(ctx), ctx.pathParam("name"))),
        AdminOnly.to("enable a provider"));
  }
}
