package dev.corral.web.abuse;

import dev.corral.web.api.ApiException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses a request that changes something when a browser says it comes from a page of another
 * origin. A page on any site can make a signed-in user's browser send a form or a simple fetch to
 * Corral with the Basic credentials the browser keeps for it; the browser also says where the page
 * came from ({@code Origin}, and {@code Sec-Fetch-Site}), and no header a page can set changes
 * that. Clients that are not browsers (curl, CI scripts, vmpooler's clients) send neither and are
 * not affected; nor are reads, which a page cannot see across origins. Another port on the same
 * host is another origin, as it is to the browser.
 */
public final class CrossOriginWrites {
  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

  public void register(Javalin app) {
    app.before(this::check);
  }

  private void check(Context ctx) {
    if (SAFE.contains(ctx.method().name())) {
      return;
    }
    String origin = ctx.header("Origin");
    if (origin != null) {
      if (!sameOrigin(origin, ctx)) {
        throw refused("a page of " + ApiException.clip(origin));
      }
      return;
    }
    String site = ctx.header("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      throw refused("a " + ApiException.clip(site) + " page");
    }
  }

  /**
   * The origin's host and port against the ones the request was sent to: its Host, or the host a
   * proxy in front of Corral says it forwarded ({@code X-Forwarded-Host}; a page cannot set that
   * header on a request the browser would send without asking Corral first, and Corral allows no
   * cross-origin request).
   */
  public static boolean sameOrigin(String origin, Context ctx) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (Exception e) {
      return false; // "null" (a sandboxed frame, a file) and anything unreadable
    }
    if (uri.getScheme() == null || uri.getHost() == null) {
      return false;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String authority = authority(scheme, uri.getHost(), uri.getPort());
    for (String sentTo : new String[] {ctx.header("Host"), ctx.header("X-Forwarded-Host")}) {
      if (sentTo != null && authority.equals(authority(scheme, sentTo))) {
        return true;
      }
    }
    return false;
  }

  private static String authority(String scheme, String hostHeader) {
    String first = hostHeader.split(",")[0].trim();
    try {
      URI uri = new URI(scheme + "://" + first);
      return uri.getHost() == null ? "" : authority(scheme, uri.getHost(), uri.getPort());
    } catch (Exception e) {
      return "";
    }
  }

  private static String authority(String scheme, String host, int port) {
    int dflt = scheme.equals("https") ? 443 : 80;
    return host.toLowerCase(Locale.ROOT) + ":" + (port < 0 ? dflt : port);
  }

  private static ApiException refused(String from) {
    return new ApiException(
        403,
        "cross_origin_refused",
        "refused: a request that changes something, sent by a browser from "
            + from
            + "; Corral takes changes only from its own pages and from clients that are not browsers",
        Map.of());
  }
}
