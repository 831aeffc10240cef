package dev.corral.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.RequestCaller;
import dev.corral.web.auth.TokenService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;

/** The /v1/tokens routes: issue (HTTP Basic), list without secrets, revoke. */
public final class TokenRoutes {
  private final TokenService tokens;
  private final RequestBodies bodies;

  public TokenRoutes(TokenService tokens, ObjectMapper json) {
    this.tokens = tokens;
    this.bodies = new RequestBodies(json);
  }

  /**
   * The optional body of an issue: how long the token lives; without it, the configured token_ttl.
   */
  private record Issue(Duration ttl) {}

  public void register(Javalin app) {
    app.post(
        "/v1/tokens", ctx -> ctx.status(201).json(tokens.issue(RequestCaller.of(ctx), ttl(ctx))));
    app.get(
        "/v1/tokens", ctx -> ctx.json(tokens.list(RequestCaller.of(ctx), ctx.queryParam("owner"))));
    app.delete("/v1/tokens/{id}", ctx -> ctx.json(tokens.revoke(RequestCaller.of(ctx), id(ctx))));
  }

  private Duration ttl(Context ctx) throws JsonProcessingException {
    Issue body = bodies.readIfAny(ctx, Issue.class, "{\"ttl\": \"7d\"}");
    return body == null ? null : body.ttl();
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
}
