package dev.corral.web.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Map;

/**
 * The /v1 routes. Handlers only parse, call a service and write JSON; errors go through
 * ErrorMapping.
 */
public final class Routes {
  private static final int DEFAULT_VM_LIST_LIMIT = 1000;
  private static final int MAX_VM_LIST_LIMIT = 10_000;

  private final LeaseService leases;
  private final InventoryViews views;
  private final RequestBodies bodies;

  public Routes(LeaseService leases, InventoryViews views, ObjectMapper json) {
    this.leases = leases;
    this.views = views;
    this.bodies = new RequestBodies(json);
  }

  public void register(Javalin app) {
    app.get("/v1/pools", ctx -> ctx.json(views.pools()));
    app.post(
        "/v1/leases",
        ctx -> {
          LeaseService.Created created =
              leases.create(
                  RequestCaller.of(ctx),
                  bodies.read(ctx, LeaseRequest.class, LeaseRequest.EXAMPLE));
          ctx.status(created.status()).json(created.lease());
        });
    app.get(
        "/v1/leases",
        ctx ->
            ctx.json(
                leases.list(
                    RequestCaller.of(ctx),
                    ctx.queryParam("owner"),
                    ctx.queryParam("state"),
                    ctx.queryParam("limit"))));
    app.get(
        "/v1/leases/{id}", ctx -> ctx.json(leases.get(RequestCaller.of(ctx), ctx.pathParam("id"))));
    app.patch(
        "/v1/leases/{id}",
        ctx ->
            ctx.json(
                leases.update(
                    RequestCaller.of(ctx),
                    ctx.pathParam("id"),
                    bodies.read(ctx, LeaseChange.class, LeaseChange.EXAMPLE))));
    app.delete(
        "/v1/leases/{id}",
        ctx -> ctx.json(leases.release(RequestCaller.of(ctx), ctx.pathParam("id"))));
    app.get("/v1/vms", this::listVms);
    app.get("/v1/vms/{name}", ctx -> ctx.json(views.vm(ctx.pathParam("name"))));
    app.get("/v1/providers", ctx -> ctx.json(views.providers()));
  }

  private void listVms(Context ctx) {
    String state = ctx.queryParam("state");
    if (state != null && !VmStates.ALL.contains(state)) {
      throw ApiException.badRequest(
          "unknown state '" + state + "'", Map.of("field", "state", "allowed", VmStates.ALL));
    }
    ctx.json(
        views.vms(
            ctx.queryParam("pool"),
            state,
            limit(ctx.queryParam("limit"), DEFAULT_VM_LIST_LIMIT, MAX_VM_LIST_LIMIT)));
  }

  /**
   * A {@code limit} query parameter: absent means {@code dflt}; otherwise a whole number from 1 to
   * {@code max}.
   */
  static int limit(String param, int dflt, int max) {
    if (param == null) {
      return dflt;
    }
    int limit;
    try {
      limit = Integer.parseInt(param);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > max) {
      throw ApiException.badRequest(
          "limit must be a whole number from 1 to " + max,
          Map.of("field", "limit", "value", ApiException.clip(param)));
    }
    return limit;
  }
}
