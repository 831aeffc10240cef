package dev.corral.web.auth;

import dev.corral.web.api.ApiException;
import io.javalin.http.Context;
import java.util.Map;

/** The one check in front of config writes: 401 without credentials, 403 for a caller who is not an admin. */
public final class AdminOnly {
  private AdminOnly() {}

  public static void require(Context ctx) {
    require(ctx, "change pools");
  }

  /** {@code action} completes "only an admin may ..." in the 403 message. */
  public static void require(Context ctx, String action) {
    Caller caller = RequestCaller.of(ctx);
    if (caller.admin()) {
      return;
    }
    if (caller.anonymous()) {
      throw new ApiException(401, "unauthenticated", "this needs an admin's credentials", Map.of());
    }
    throw new ApiException(403, "forbidden", "only an admin may " + action + "; " + caller.user() + " is not one",
        Map.of("user", caller.user()));
  }
}
