package dev.corral.web.vmpooler;

import dev.corral.activities.store.rows.TokenRow;
import dev.corral.web.api.ApiException;
import dev.corral.web.auth.RequestCaller;
import dev.corral.web.auth.TokenService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vmpooler's token endpoints (vmpooler.md §3 rows 11–14) on {@link TokenService}, so the same rules
 * apply as on /v1, unlike vmpooler: only the owner or an admin may delete a token, and tokens
 * expire. Errors are {@code {"ok": false, "error": ...}} (ErrorMapping, for every path under
 * /api/v3/).
 */
public final class VmpoolerTokenRoutes {
  /** vmpooler writes Ruby's {@code Time#to_s}: {@code 2026-11-21 14:54:24 +0000}. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xx").withZone(ZoneOffset.UTC);

  private final TokenService tokens;

  public VmpoolerTokenRoutes(TokenService tokens) {
    this.tokens = tokens;
  }

  public void register(Javalin app) {
    app.post(
        "/api/v3/token",
        ctx ->
            ctx.json(
                Map.of("ok", true, "token", tokens.issue(RequestCaller.of(ctx), null).token())));
    app.get("/api/v3/token", this::list);
    app.get("/api/v3/token/{token}", this::show);
    app.delete(
        "/api/v3/token/{token}",
        ctx -> {
          tokens.revokeByToken(RequestCaller.of(ctx), ctx.pathParam("token"));
          ctx.json(Map.of("ok", true));
        });
  }

  /**
   * vmpooler keys each token by the token itself. Corral keeps only a hash of each token, so it
   * cannot show them again: the key is the token's id instead, the handle /v1/tokens/{id} revokes
   * it by. Like vmpooler, a caller without tokens gets 404.
   */
  private void list(Context ctx) {
    List<TokenRow> mine = tokens.activeOf(RequestCaller.of(ctx));
    if (mine.isEmpty()) {
      throw ApiException.notFound("no_tokens", "you have no tokens", Map.of());
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("ok", true);
    for (TokenRow row : mine) {
      reply.put(
          Long.toString(row.id()),
          Map.of(
              "created",
              time(row.createdAt()),
              "last",
              time(row.lastUsedAt()),
              "expires",
              time(row.expiresAt())));
    }
    ctx.json(reply);
  }

  /**
   * Knowing the token is proof enough to read it (it is in the path), as in vmpooler; vmfloaty
   * needs vms.running.
   */
  private void show(Context ctx) {
    String token = ctx.pathParam("token");
    TokenRow row = tokens.activeToken(token);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("user", row.owner());
    details.put("created", time(row.createdAt()));
    details.put("last", time(row.lastUsedAt()));
    details.put("expires", time(row.expiresAt()));
    details.put("vms", Map.of("running", tokens.leasedHostnames(row.owner())));
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put("ok", true);
    reply.put(token, details);
    ctx.json(reply);
  }

  private static String time(Instant at) {
    return at == null ? "never" : TIME.format(at);
  }
}
