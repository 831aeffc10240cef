package dev.corral.web.auth;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Decides every request's {@link Caller} before any handler runs. Credentials that are sent must be
 * good: a bad token or password is a 401 even on an endpoint that anonymous callers may use, so a
 * client with a mistyped token finds out at once instead of silently leasing as nobody.
 */
public final class Authenticator {
  public static final String TOKEN_HEADER = "X-AUTH-TOKEN";

  private final TokenService tokens;

  public Authenticator(TokenService tokens) {
    this.tokens = tokens;
  }

  public void register(Javalin app) {
    // An exception here skips the endpoint handler; ErrorMapping writes the 401.
    app.before(ctx -> RequestCaller.set(ctx, tokens.authOn() ? identify(ctx) : Caller.OPEN));
    // Routes declared admin-only are checked once the caller is known.
    AdminOnly.register(app);
  }

  /**
   * Every credential sent is checked, not just the first one found: a request with a good token and
   * a wrong password (or a second, bad token) is a 401, as the README promises, and credentials of
   * two different users are refused too. When a token is among them the caller is the token's, so
   * it cannot mint tokens.
   */
  private Caller identify(Context ctx) {
    List<Caller> callers = new ArrayList<>();
    String header = ctx.header(TOKEN_HEADER);
    if (header != null && !header.isBlank()) {
      callers.add(token(header));
    }
    String authorization = ctx.header("Authorization");
    if (startsWithIgnoreCase(authorization, "Bearer ")) {
      String bearer = authorization.substring("Bearer ".length());
      if (!bearer.isBlank()) {
        callers.add(token(bearer));
      }
    } else if (startsWithIgnoreCase(authorization, "Basic ")) {
      callers.add(basic(authorization.substring("Basic ".length()).strip()));
    }
    if (callers.isEmpty()) {
      return Caller.ANONYMOUS;
    }
    Caller caller = callers.get(0);
    if (callers.stream().anyMatch(c -> !c.user().equals(caller.user()))) {
      throw TokenService.unauthorized(
          "the credentials sent belong to different users; send one user's");
    }
    return caller;
  }

  private Caller token(String token) {
    return tokens
        .callerForToken(token.strip())
        .orElseThrow(() -> TokenService.unauthorized("the token is unknown, expired or revoked"));
  }

  private Caller basic(String encoded) {
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw TokenService.unauthorized("the Basic credentials are not valid base64");
    }
    int colon = pair.indexOf(':');
    if (colon < 0) {
      throw TokenService.unauthorized("the Basic credentials are not user:password");
    }
    // One message for unknown users and wrong passwords: which user names exist is not for
    // strangers.
    return tokens
        .callerForPassword(pair.substring(0, colon), pair.substring(colon + 1))
        .orElseThrow(() -> TokenService.unauthorized("wrong user name or password"));
  }

  private static boolean startsWithIgnoreCase(String value, String prefix) {
    return value != null && value.regionMatches(true, 0, prefix, 0, prefix.length());
  }
}
