package dev.corral.web.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;

/** The reconciler's routes; reconcile-now is an admin's call when auth is on. */
public final class ReconcileRoutes {
  private final ReconcileService service;
  private final ObjectMapper json;

  public ReconcileRoutes(ReconcileService service, ObjectMapper json) {
    this.service = service;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/reconcile", ctx -> {
      String body = ctx.body();
      ctx.json(service.reconcileNow(body.isBlank() ? null : json.readTree(body)));
    }, AdminOnly.to("reconcile"));
    app.get("/v1/reconcile", ctx -> ctx.json(service.status()));
    app.get("/v1/providers/{name}/inventory", ctx -> ctx.json(service.inventory(ctx.pathParam("name"))));
  }
}
