package dev.corral.web.dashboard;

import dev.corral.activities.store.DatabaseUnavailableException;
import dev.corral.web.api.ApiException;
import dev.corral.web.auth.Caller;
import dev.corral.web.auth.RequestCaller;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;

/**
 * The dashboard's pages. {@code GET /} is readable by anyone, as vmpooler's dashboard and Corral's
 * own read endpoints are; its lease list follows {@code GET /v1/leases}: with auth on, the
 * signed-in user's leases (an admin's: everyone's), none for a request without credentials. {@code
 * GET /login} makes the browser ask for a user name and password (HTTP Basic), which it then sends
 * with every reload of {@code /}.
 */
public final class DashboardRoutes {
  /**
   * No script may run and nothing may load from elsewhere, even if a value ever slipped through
   * unescaped; the page keeps its inline styles.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; frame-ancestors 'none'";

  private final Dashboard dashboard;
  private final boolean authOn;

  public DashboardRoutes(Dashboard dashboard, boolean authOn) {
    this.dashboard = dashboard;
    this.authOn = authOn;
  }

  public void register(Javalin app) {
    app.get("/", this::page);
    app.get("/login", this::login);
  }

  private void page(Context ctx) {
    String html;
    try {
      html = DashboardPage.render(dashboard.read(RequestCaller.of(ctx)));
    } catch (DatabaseUnavailableException e) {
      ctx.status(503).header("Retry-After", Integer.toString(DashboardPage.REFRESH_SECONDS));
      html = DashboardPage.unavailable(e.getMessage());
    }
    ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        .header("Cache-Control", "no-store")
        .html(html);
  }

  /**
   * 401 with a Basic challenge until the browser sends good credentials, then back to the
   * dashboard.
   */
  private void login(Context ctx) {
    Caller caller = RequestCaller.of(ctx);
    if (authOn && caller.anonymous()) {
      // ErrorMapping adds WWW-Authenticate: Basic to every 401, so the browser asks for a user name
      // and password.
      throw new ApiException(
          401, "unauthenticated", "sign in with your Corral user name and password", Map.of());
    }
    ctx.redirect("/", HttpStatus.SEE_OTHER);
  }
}
