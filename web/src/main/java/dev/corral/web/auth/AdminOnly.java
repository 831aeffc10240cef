package dev.corral.web.auth;

import dev.corral.web.api.ApiException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.Map;

/**
 * The route role of admin-only routes, given where a route is registered ({@code app.post(path,
 * handler, AdminOnly.to("reconcile"))}), so which routes are protected is read off the route table,
 * not found in each handler. {@code action} completes "only an admin may ..." in the 403 message.
 */
public record AdminOnly(String action) implements RouteRole {
  /** The pool config writes, native and vmpooler's. */
  public static final AdminOnly CHANGE_POOLS = new AdminOnly("change pools");

  public static AdminOnly to(String action) {
    return new AdminOnly(action);
  }

  /**
   * The one check, for every route that carries this role: 401 without credentials, 403 for a
   * caller who is not an admin. A beforeMatched handler runs after every before-handler, so
   * authentication has named the caller.
   */
  static void register(Javalin app) {
    app.beforeMatched(
        ctx -> {
          for (RouteRole role : ctx.routeRoles()) {
            if (role instanceof AdminOnly adminOnly) {
              adminOnly.check(ctx);
            }
          }
        });
  }

  private void check(Context ctx) {
    Caller caller = RequestCaller.of(ctx);
    if (caller.admin()) {
      return;
    }
    if (caller.anonymous()) {
      throw new ApiException(401, "unauthenticated", "this needs an admin's credentials", Map.of());
    }
    throw new ApiException(
        403,
        "forbidden",
        "only an admin may " + action + "; " + caller.user() + " is not one",
        Map.of("user", caller.user()));
  }
}
