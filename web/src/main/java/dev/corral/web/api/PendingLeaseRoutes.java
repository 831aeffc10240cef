package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.Durations;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code /v1/pending-leases}: leases that wait for VMs. Thin: parse, call the service, write JSON. */
public final class PendingLeaseRoutes {
  private static final Set<String> FIELDS = Set.of("vms", "lifetime", "wait", "request_id");

  private final PendingLeaseService pending;
  private final ObjectMapper json;

  public PendingLeaseRoutes(PendingLeaseService pending, ObjectMapper json) {
    this.pending = pending;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/pending-leases", this::create);
    app.get("/v1/pending-leases/{id}", ctx -> ctx.json(pending.status(RequestCaller.of(ctx), ctx.pathParam("id"))));
    app.delete("/v1/pending-leases/{id}", ctx -> ctx.json(pending.cancel(RequestCaller.of(ctx), ctx.pathParam("id"))));
  }

  private void create(Context ctx) throws Exception {
    if (ctx.body().isBlank()) {
      throw ApiException.badRequest("the request has no body; send JSON like {\"vms\": {\"pool\": 2}, \"wait\": \"10m\"}", Map.of());
    }
    JsonNode body = json.readTree(ctx.body());
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object like {\"vms\": {\"pool\": 2}, \"wait\": \"10m\"}", Map.of());
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw ApiException.badRequest("unknown field '" + field + "'", Map.of("field", field, "allowed", FIELDS));
      }
    }
    JsonNode vms = body.get("vms");
    if (vms == null || !vms.isObject() || vms.isEmpty()) {
      throw ApiException.badRequest("'vms' must be a non-empty object of pool name or alias to count", Map.of("field", "vms"));
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vms.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode count = entry.getValue();
      counts.put(entry.getKey(), count.isIntegralNumber() && count.canConvertToInt() ? count.asInt() : -1);
    }
    JsonNode requestId = body.get("request_id");
    if (requestId != null && !requestId.isTextual()) {
      throw ApiException.badRequest("request_id must be a string", Map.of("field", "request_id"));
    }
    PendingLeaseView lease = pending.create(RequestCaller.of(ctx), counts, duration(body, "lifetime"), duration(body, "wait"),
        requestId == null ? null : requestId.asText(), "v1");
    ctx.status(202).json(lease);
  }

  private static Duration duration(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      if (field.equals("wait")) {
        throw ApiException.badRequest("'wait' is required (" + Durations.FORMS + ")", Map.of("field", field));
      }
      return null;
    }
    try {
      return value.isNumber() ? Durations.parse(value.numberValue()) : Durations.parse(value.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field + ": " + e.getMessage(), Map.of("field", field, "value", value.asText()));
    }
  }
}
