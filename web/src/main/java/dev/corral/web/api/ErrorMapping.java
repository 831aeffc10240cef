package dev.corral.web.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.corral.activities.store.DatabaseUnavailableException;
import dev.corral.web.logging.SampledLog;
import dev.corral.web.metrics.RefusalMetrics;
import dev.corral.web.vmpooler.VmpoolerErrors;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Maps every failure to {@link ApiError} JSON in one place, and counts each by its code ({@code
 * corral_http_refusals_total}). Refusals a client causes (4xx, and 503 for an empty pool) are
 * logged at WARN {@linkplain SampledLog at most once a minute per code}: clients polling an empty
 * pool once filled the log with thousands of lines a minute. Other server-side refusals are logged
 * at WARN each; internal errors at ERROR with the stack trace in the log only, never in the
 * response. Under {@code /api/v3} the same failures are written in vmpooler's shape instead ({@link
 * VmpoolerErrors}), since vmpooler's clients read {@code ok}.
 */
public final class ErrorMapping {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

  /** Often enough to see that refusals go on, and with what message; the metric has every one. */
  static final Duration REFUSAL_LOG_EVERY = Duration.ofMinutes(1);

  private final RefusalMetrics refusals;
  private final SampledLog refusalLog = new SampledLog(log, Level.WARN, REFUSAL_LOG_EVERY);

  public ErrorMapping(RefusalMetrics refusals) {
    this.refusals = refusals;
  }

  public void register(Javalin app) {
    app.exception(
        ApiException.class,
        (e, ctx) -> {
          if (clientCaused(e)) {
            refusalLog.log(
                e.code(),
                "{} {} -> {} {}: {}",
                ctx.method(),
                ctx.path(),
                e.status(),
                e.code(),
                e.getMessage());
          } else {
            log.warn(
                "{} {} -> {} {}: {}",
                ctx.method(),
                ctx.path(),
                e.status(),
                e.code(),
                e.getMessage());
          }
          if (e.status() == 401) {
            // Tells browsers and clients alike that HTTP Basic is how to identify.
            ctx.header("WWW-Authenticate", "Basic realm=\"corral\"");
          }
          // Under /api/v3 the details become vmpooler's top-level keys (failure, bad_templates,
          // ...).
          send(ctx, e.status(), new ApiError(e.getMessage(), e.code(), e.detail()), e.detail());
        });
    app.exception(
        JsonProcessingException.class,
        (e, ctx) -> {
          refusalLog.log(
              "malformed_json",
              "{} {} -> 400 malformed JSON: {}",
              ctx.method(),
              ctx.path(),
              e.getOriginalMessage());
          send(
              ctx,
              400,
              new ApiError(
                  "the request body is not valid JSON: " + jsonProblem(e.getOriginalMessage()),
                  "malformed_json",
                  Map.of("line", e.getLocation() == null ? 0 : e.getLocation().getLineNr())));
        });
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> {
          String code =
              e.getStatus() == 404
                  ? "not_found"
                  : e.getStatus() == 405 ? "method_not_allowed" : "http_" + e.getStatus();
          send(ctx, e.getStatus(), new ApiError(e.getMessage(), code, Map.of()));
        });
    app.exception(DatabaseUnavailableException.class, (e, ctx) -> databaseUnavailable(ctx, e));
    app.exception(
        Exception.class,
        (e, ctx) -> {
          // Wrapped on its way (a future, a reflective call): still the database's absence, not an
          // internal error.
          for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DatabaseUnavailableException unavailable) {
              databaseUnavailable(ctx, unavailable);
              return;
            }
          }
          // The id ties the reply to the log line (with the stack trace) without showing the client
          // anything inside.
          String errorId =
              Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
          log.error("{} {} -> 500 (error id {})", ctx.method(), ctx.path(), errorId, e);
          send(
              ctx,
              500,
              new ApiError(
                  "internal error " + errorId + "; the server log has the details",
                  "internal",
                  Map.of("error_id", errorId)));
        });
    // Javalin answers unknown routes itself; keep that answer in our shape too.
    app.error(
        404,
        ctx -> {
          String contentType = ctx.res().getContentType();
          if (ctx.result() == null
              || ctx.result().isEmpty()
              || contentType == null
              || !contentType.contains("json")) {
            send(
                ctx,
                404,
                new ApiError(
                    "no such endpoint: " + ctx.method() + " " + ctx.path(), "not_found", Map.of()));
          }
        });
    app.error(
        405,
        ctx ->
            send(
                ctx,
                405,
                new ApiError(
                    "method not allowed: " + ctx.method() + " " + ctx.path(),
                    "method_not_allowed",
                    Map.of())));
  }

  /**
   * The client asked for something wrong, not allowed or too much (4xx), or for VMs a pool does not
   * have ready (503 {@code pool_empty}: demand, not a fault; it tells in {@code
   * corral_lease_empty_total} and the pool gauges).
   */
  private static boolean clientCaused(ApiException e) {
    return e.status() < 500 || ShortageReport.POOL_EMPTY.equals(e.code());
  }

  /**
   * How long a client is asked to wait: the embedded database restarts within seconds, a failover
   * takes longer.
   */
  static final int DATABASE_RETRY_AFTER_SECONDS = 5;

  /**
   * Nothing was read or written, and the same request may well succeed in a few seconds: a 503 that
   * says so, not a 500. The outage itself is logged once by the database's availability check, not
   * per request.
   */
  private void databaseUnavailable(Context ctx, DatabaseUnavailableException e) {
    log.debug("{} {} -> 503 {}", ctx.method(), ctx.path(), e.getMessage());
    ctx.header("Retry-After", Integer.toString(DATABASE_RETRY_AFTER_SECONDS));
    send(
        ctx,
        503,
        new ApiError(
            e.getMessage() + "; nothing was changed, try again later",
            "database_unavailable",
            Map.of("retry_after_seconds", DATABASE_RETRY_AFTER_SECONDS)));
  }

  /**
   * Jackson's parse message without the parts that describe the server rather than the body: the
   * {@code [Source: ...]} location (which names Jackson's own settings) and any Java type names.
   */
  static String jsonProblem(String message) {
    if (message == null) {
      return "unreadable";
    }
    String m = SOURCE.matcher(message).replaceAll("").replace('\n', ' ');
    m = JAVA_NAME.matcher(m).replaceAll("");
    return ApiException.clip(m.strip());
  }

  private static final Pattern SOURCE =
      Pattern.compile("\\s*(\\(start marker )?at \\[Source:.*?](\\))?", Pattern.DOTALL);
  private static final Pattern JAVA_NAME =
      Pattern.compile(
          "\\(?`?\\b(java|javax|jakarta|com\\.fasterxml|io\\.javalin|dev\\.corral|org)\\.[\\w.$]+`?\\)?");

  private void send(Context ctx, int status, ApiError error) {
    send(ctx, status, error, Map.of());
  }

  private void send(Context ctx, int status, ApiError error, Map<String, Object> vmpoolerExtra) {
    refusals.refused(error.code());
    if (VmpoolerErrors.applies(ctx)) {
      VmpoolerErrors.respond(ctx, status, error.error(), vmpoolerExtra);
    } else {
      ctx.status(status).json(error);
    }
  }
}
