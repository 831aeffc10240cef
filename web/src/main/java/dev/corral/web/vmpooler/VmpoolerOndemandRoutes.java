package dev.corral.web.vmpooler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.api.ApiException;
import dev.corral.web.api.Checkouts;
import dev.corral.web.api.PendingLeaseService;
import dev.corral.web.api.PendingLeaseView;
import dev.corral.web.api.RequestBodies;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * vmpooler's on-demand requests ({@code /api/v3/ondemandvm}, vmpooler.md §3 rows 28–31) as pending
 * leases: same paths, JSON shapes and status codes, keyed by the names the client asked for.
 */
public final class VmpoolerOndemandRoutes {
  /** vmpooler's ondemand_request_ttl: a request not filled within 5 minutes fails. */
  static final Duration REQUEST_TTL = Duration.ofMinutes(5);

  private static final String BASE = "/api/v3/ondemandvm";

  private final PendingLeaseService pending;
  private final Checkouts checkouts;
  private final RequestBodies bodies;

  public VmpoolerOndemandRoutes(
      PendingLeaseService pending, Checkouts checkouts, ObjectMapper json) {
    this.pending = pending;
    this.checkouts = checkouts;
    this.bodies = new RequestBodies(json);
  }

  public void register(Javalin app) {
    app.post(BASE, ctx -> vmpooler(ctx, () -> create(ctx, fromBody(ctx))));
    app.post(
        BASE + "/{templates}",
        ctx -> vmpooler(ctx, () -> create(ctx, fromPath(ctx.pathParam("templates")))));
    app.get(BASE + "/{id}", ctx -> vmpooler(ctx, () -> status(ctx, ctx.pathParam("id"))));
    app.delete(BASE + "/{id}", ctx -> vmpooler(ctx, () -> delete(ctx, ctx.pathParam("id"))));
  }

  /** The request as vmpooler reads it: names in order with counts, and an optional request id. */
  private record Ask(Map<String, Integer> counts, String requestId) {}

  private Ask fromBody(Context ctx) {
    Map<String, Object> body;
    try {
      body = bodies.readFields(ctx, "{\"pool\": \"1\"}");
    } catch (JsonProcessingException | ApiException e) {
      // vmpooler's one answer for a body it cannot use.
      throw new ApiException(400, "malformed_json", "JSON payload could not be parsed", Map.of());
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    String requestId = null;
    for (Map.Entry<String, Object> entry : body.entrySet()) {
      if (entry.getKey().equals("request_id")) {
        requestId = requestId(entry.getValue());
        continue;
      }
      counts.put(entry.getKey(), count(entry.getKey(), entry.getValue()));
    }
    return new Ask(counts, requestId);
  }

  /**
   * Whatever the client sent, as text, as vmpooler takes it; an object or a list is none (and
   * refused).
   */
  private static String requestId(Object value) {
    return value instanceof Map || value instanceof List ? "" : String.valueOf(value);
  }

  /** {@code a+b+a}: two of a, one of b. */
  private static Ask fromPath(String templates) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String name : templates.split("\\+")) {
      if (!name.isEmpty()) {
        counts.merge(name, 1, Integer::sum);
      }
    }
    return new Ask(counts, null);
  }

  /**
   * vmpooler sends counts as strings ({@code "2"}); numbers are accepted too. The service checks
   * the range.
   */
  private static int count(String name, Object value) {
    Integer count = VmpoolerValues.wholeNumber(value);
    if (count == null) {
      throw new ApiException(
          400, "bad_request", "the count for " + name + " must be a whole number", Map.of());
    }
    return count;
  }

  private void create(Context ctx, Ask ask) {
    if (ask.counts().isEmpty()) {
      throw new ApiException(400, "bad_request", "no pool or alias requested", Map.of());
    }
    // Unknown names are a 404 (answered as bad_templates below), and the checkout's access rules
    // apply.
    Map<String, Integer> perPool = new LinkedHashMap<>();
    Map<String, Integer> maxOf = new HashMap<>();
    for (Checkouts.Resolved r : checkouts.resolve(RequestCaller.of(ctx), ask.counts().keySet())) {
      perPool.merge(r.pool().name(), ask.counts().get(r.requestedName()), Integer::sum);
      maxOf.put(r.pool().name(), r.config().leasing().maxOndemandPerRequest());
    }
    for (Map.Entry<String, Integer> want : perPool.entrySet()) {
      int max = maxOf.get(want.getKey());
      if (want.getValue() > max) {
        throw new ApiException(
            403,
            "over_maximum",
            "requested amount of instances exceeds the maximum " + max,
            Map.of());
      }
    }
    String requestId = ask.requestId() == null ? UUID.randomUUID().toString() : ask.requestId();
    pending.create(RequestCaller.of(ctx), ask.counts(), null, REQUEST_TTL, requestId, "vmpooler");
    ctx.status(201).json(ordered("ok", true, "request_id", requestId));
  }

  private void status(Context ctx, String requestId) {
    PendingLeaseView lease = find(ctx, requestId);
    Map<String, Object> reply = ordered("ok", true, "request_id", requestId);
    switch (lease.state()) {
      case "pending" -> {
        reply.put("ready", false);
        lease
            .requested()
            .forEach(
                r ->
                    reply.put(
                        r.name(),
                        ordered(
                            "ready",
                            String.valueOf(r.held()),
                            "pending",
                            String.valueOf(r.wanted() - r.held()))));
        ctx.status(202).json(reply);
      }
      case "failed" -> {
        reply.put("ok", false);
        reply.put("ready", false);
        reply.put(
            "message",
            "The request failed to provision instances within the configured ondemand_request_ttl '"
                + REQUEST_TTL.toMinutes()
                + "': "
                + lease.failReason());
        ctx.json(reply);
      }
      case "cancelled", "released" -> {
        reply.put("ready", false);
        reply.put("message", "The request has been deleted");
        ctx.json(reply);
      }
      default -> {
        reply.put("ready", true);
        lease.requested().forEach(r -> reply.put(r.name(), ordered("hostname", r.hostnames())));
        ctx.json(reply);
      }
    }
  }

  private void delete(Context ctx, String requestId) {
    PendingLeaseView lease = find(ctx, requestId);
    if (lease.state().equals("cancelled") || lease.state().equals("released")) {
      ctx.json(ordered("ok", true, "message", "the request has already been deleted"));
      return;
    }
    pending.cancel(RequestCaller.of(ctx), lease.id());
    ctx.json(ordered("ok", true));
  }

  /**
   * The caller's own request with this id: another user's request of the same name is not found.
   */
  private PendingLeaseView find(Context ctx, String requestId) {
    try {
      return pending.statusByRequestId(RequestCaller.of(ctx), requestId);
    } catch (ApiException e) {
      if (e.status() == 404) {
        throw new ApiException(
            404,
            "not_found",
            "no request found for request_id '" + ApiException.clip(requestId) + "'",
            Map.of());
      }
      throw e;
    }
  }

  /**
   * Runs a handler and answers its refusals in vmpooler's shape, {@code {"ok": false, "message":
   * …}}.
   */
  private static void vmpooler(Context ctx, Runnable handler) {
    try {
      handler.run();
    } catch (ApiException e) {
      if (e.status() == 404 && "unknown_pool".equals(e.code())) {
        ctx.status(404).json(ordered("ok", false, "bad_templates", e.detail().get("unknown")));
        return;
      }
      ctx.status(e.status()).json(ordered("ok", false, "message", e.getMessage()));
    }
  }

  private static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }
}
