package dev.corral.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps every failure to {@link ApiError} JSON in one place. Client errors are logged at WARN; server
 * errors at ERROR with the stack trace in the log only, never in the response.
 */
public final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

  /** vmpooler clients expect {@code {"ok": false}}; the extra {@code error} says what went wrong. */
  private static final String VMPOOLER_PREFIX = "/api/v3/";

  private ErrorMapping() {}

  public static void register(Javalin app) {
    app.exception(ApiException.class, (e, ctx) -> {
      log.warn("{} {} -> {} {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
      if (e.status() == 401) {
        // Tells browsers and vmpooler clients alike that HTTP Basic is how to identify.
        ctx.header("WWW-Authenticate", "Basic realm=\"corral\"");
      }
      ctx.status(e.status()).json(ctx.path().startsWith(VMPOOLER_PREFIX)
          ? Map.of("ok", false, "error", e.getMessage())
          : new ApiError(e.getMessage(), e.code(), e.detail()));
    });
    app.exception(JsonProcessingException.class, (e, ctx) -> {
      log.warn("{} {} -> 400 malformed JSON: {}", ctx.method(), ctx.path(), e.getOriginalMessage());
      ctx.status(400).json(new ApiError("the request body is not valid JSON: " + e.getOriginalMessage(),
          "malformed_json", Map.of("line", e.getLocation() == null ? 0 : e.getLocation().getLineNr())));
    });
    app.exception(HttpResponseException.class, (e, ctx) -> {
      String code = e.getStatus() == 404 ? "not_found" : e.getStatus() == 405 ? "method_not_allowed" : "http_" + e.getStatus();
      ctx.status(e.getStatus()).json(new ApiError(e.getMessage(), code, Map.of()));
    });
    app.exception(Exception.class, (e, ctx) -> {
      log.error("{} {} -> 500", ctx.method(), ctx.path(), e);
      ctx.status(500).json(new ApiError("internal error; the server log has the details", "internal", Map.of()));
    });
    // Javalin answers unknown routes itself; keep that answer in our shape too.
    app.error(404, ctx -> {
      String contentType = ctx.res().getContentType();
      if (ctx.result() == null || ctx.result().isEmpty() || contentType == null || !contentType.contains("json")) {
        ctx.json(new ApiError("no such endpoint: " + ctx.method() + " " + ctx.path(), "not_found", Map.of()));
      }
    });
    app.error(405, ctx -> ctx.json(new ApiError("method not allowed: " + ctx.method() + " " + ctx.path(),
        "method_not_allowed", Map.of())));
  }
}
