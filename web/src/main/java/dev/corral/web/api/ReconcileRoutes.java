package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.AdminOnly;
import io.javalin.Javalin;
import java.util.Objects;

/** The reconciler's routes; reconcile-now is an admin's call when auth is on. */
public final class ReconcileRoutes {
  private final ReconcileService service;
  private final RequestBodies bodies;

  public ReconcileRoutes(ReconcileService service, ObjectMapper json) {
    this.service = service;
    this.bodies = new RequestBodies(json);
  }

  /**
   * The optional body of a reconcile-now: one provider instead of all; force destroys unknown VMs
   * at first sight.
   */
  private record Now(
      @JsonPropertyDescription("a provider's name") String provider, Boolean force) {}

  public void register(Javalin app) {
    app.post(
        "/v1/reconcile",
        ctx -> {
          Now body =
              Objects.requireNonNullElse(
                  bodies.readIfAny(ctx, Now.class, "{\"provider\": \"sim\"}"), new Now(null, null));
          ctx.json(service.reconcileNow(body.provider(), Boolean.TRUE.equals(body.force())));
        },
        AdminOnly.to("reconcile"));
    app.get("/v1/reconcile", ctx -> ctx.json(service.status()));
    app.get(
        "/v1/providers/{name}/inventory",
        ctx -> ctx.json(service.inventory(ctx.pathParam("name"))));
  }
}
