package dev.corral.web.vmpooler;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vmpooler's error shape for everything under {@code /api/v3}: {@code {"ok": false, "error":
 * message}} plus the keys vmpooler names the offenders with ({@code not_configured}, {@code
 * bad_templates}, {@code bad_pools}), because its clients read {@code ok} and those keys, not
 * Corral's {@code code}. {@code ErrorMapping} sends every failure on these paths here, so there is
 * still one error mapping.
 */
public final class VmpoolerErrors {
  private VmpoolerErrors() {}

  /** A request a vmpooler handler refuses, with vmpooler's extra keys (may be empty). */
  public static final class Rejection extends RuntimeException {
    private final int status;
    private final Map<String, Object> extra;

    public Rejection(int status, String message, Map<String, Object> extra) {
      super(message);
      this.status = status;
      this.extra = extra;
    }

    public static Rejection of(int status, String message, String key, List<String> names) {
      return new Rejection(status, message, Map.of(key, names));
    }
  }

  public static boolean applies(Context ctx) {
    String path = ctx.path();
    return path.equals(VmpoolerRoutes.BASE) || path.startsWith(VmpoolerRoutes.BASE + "/");
  }

  static void register(Javalin app) {
    app.exception(Rejection.class, (e, ctx) -> respond(ctx, e.status, e.getMessage(), e.extra));
  }

  public static void respond(Context ctx, int status, String message, Map<String, Object> extra) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", false);
    body.put("error", message);
    body.putAll(extra);
    if (status == 401) {
      // vmpooler's clients (vmfloaty) react to this header by asking for credentials.
      ctx.header("WWW-Authenticate", "Basic realm=\"Authentication required\"");
    }
    ctx.status(status).json(body);
  }
}
