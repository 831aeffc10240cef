package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.web.auth.RequestCaller;
import dev.corral.web.auth.TokenService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.Map;

/** The /v1/tokens routes: issue (HTTP Basic), list without secrets, revoke. */
public final class TokenRoutes {
  private final TokenService tokens;
  private final ObjectMapper json;

  public TokenRoutes(TokenService tokens, ObjectMapper json) {
    this.tokens = tokens;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/tokens", ctx -> ctx.status(201).json(tokens.issue(RequestCaller.of(ctx), ttl(ctx))));
    app.get("/v1/tokens", ctx -> ctx.json(tokens.list(RequestCaller.of(ctx), ctx.queryParam("owner"))));
    app.delete("/v1/tokens/{id}", ctx -> ctx.json(tokens.revoke(RequestCaller.of(ctx), id(ctx))));
  }

  /** The optional body {@code {"ttl": "7d"}}; no body means the configured token_ttl. */
  private Object ttl(Context ctx) throws Exception {
    String text = ctx.body();
    if (text.isBlank()) {
      return null;
    }
    JsonNode body = json.readTree(text);
    if (!body.isObject()) {
      throw ApiException.badRequest("send {\"ttl\": \"7d\"} or no body", Map.of());
    }
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!field.equals("ttl")) {
        throw ApiException.badRequest("unknown field '" + field + "'", Map.of("field", field, "allowed", "ttl"));
      }
    }
    JsonNode ttl = body.get("ttl");
    if (ttl == null || ttl.isNull()) {
      return null;
    }
    if (!ttl.isTextual() && !ttl.isNumber()) {
      throw ApiException.badRequest("ttl must be a duration like \"7d\" or a number of seconds", Map.of("field", "ttl"));
    }
    return ttl.isTextual() ? ttl.asText() : ttl.numberValue();
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
    throw ApiException.badRequest("id must be a positive whole number (got '" + raw + "')", Map.of("field", "id", "value", raw));
  }
}
