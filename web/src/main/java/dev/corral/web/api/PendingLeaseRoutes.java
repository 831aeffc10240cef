package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;

/**
 * {@code /v1/pending-leases}: leases that wait for VMs. Thin: parse, call the service, write JSON.
 */
public final class PendingLeaseRoutes {
  private final PendingLeaseService pending;
  private final RequestBodies bodies;

  public PendingLeaseRoutes(PendingLeaseService pending, ObjectMapper json) {
    this.pending = pending;
    this.bodies = new RequestBodies(json);
  }

  /**
   * The body of a create: VMs as for a lease, how long to wait for them, and the client's own id
   * for it.
   */
  private record Create(
      @JsonPropertyDescription(VmCounts.DESCRIPTION) VmCounts vms,
      Duration lifetime,
      @JsonProperty("wait") Duration waitFor,
      @JsonPropertyDescription("a string") String requestId) {
    static final String EXAMPLE = "{\"vms\": {\"pool\": 2}, \"wait\": \"10m\"}";

    Create {
      RequestBodies.required(vms, "vms", VmCounts.DESCRIPTION);
      RequestBodies.required(waitFor, "wait", BodyDurations.DESCRIPTION);
    }
  }

  public void register(Javalin app) {
    app.post("/v1/pending-leases", this::create);
    app.get(
        "/v1/pending-leases/{id}",
        ctx -> ctx.json(pending.status(RequestCaller.of(ctx), ctx.pathParam("id"))));
    app.delete(
        "/v1/pending-leases/{id}",
        ctx -> ctx.json(pending.cancel(RequestCaller.of(ctx), ctx.pathParam("id"))));
  }

  private void create(Context ctx) throws Exception {
    Create body = bodies.read(ctx, Create.class, Create.EXAMPLE);
    PendingLeaseView lease =
        pending.create(
            RequestCaller.of(ctx),
            body.vms().counts(),
            body.lifetime(),
            body.waitFor(),
            body.requestId(),
            "v1");
    ctx.status(202).json(lease);
  }
}
