package dev.corral.web.abuse;

import dev.corral.web.api.ApiException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Map;

/**
 * Every body Corral reads is JSON, so a body must say so: {@code application/json} (or a {@code
 * +json} type), or no type at all. {@code application/x-www-form-urlencoded} is what {@code curl
 * -d} sends, as vmpooler's own documentation and CI scripts use it, so it is read as JSON too, but
 * only from a client that is not a browser: the types a page of another site can post without
 * asking (forms: urlencoded, multipart, text/plain) never reach a handler from a browser. A charset
 * the JVM does not know is refused here too, before anything decodes the body or the query string
 * with it. The one exception is the dashboard's request form ({@link #DASHBOARD_FORM}), whose
 * handler checks that the browser sent it from Corral's own page.
 */
public final class BodyTypes {
  /** The one page form Corral takes from browsers: the dashboard's request page. */
  static final String DASHBOARD_FORM = "/request";

  public void register(Javalin app) {
    app.before(this::check);
  }

  private void check(Context ctx) {
    String contentType = ctx.req().getContentType();
    if (contentType == null) {
      return;
    }
    String charset = charsetOf(contentType);
    if (charset != null && !supported(charset)) {
      throw new ApiException(
          415,
          "unsupported_charset",
          "the body's charset '"
              + ApiException.clip(charset)
              + "' is not one Corral reads; send UTF-8 JSON",
          Map.of("content_type", ApiException.clip(contentType)));
    }
    if (!hasBody(ctx)) {
      return;
    }
    String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    boolean json = type.equals("application/json") || type.endsWith("+json");
    boolean form = type.equals("application/x-www-form-urlencoded");
    boolean curlForm = form && !fromBrowser(ctx);
    // The dashboard's own request form, from a browser: its handler takes it only with an Origin of
    // this host (CrossOriginWrites refuses any other before it gets there).
    boolean ownForm = form && ctx.path().equals(DASHBOARD_FORM);
    if (!json && !curlForm && !ownForm) {
      throw new ApiException(
          415,
          "unsupported_media_type",
          "the body is '"
              + ApiException.clip(type)
              + "'; send JSON with Content-Type: application/json",
          Map.of("content_type", ApiException.clip(contentType)));
    }
  }

  private static boolean hasBody(Context ctx) {
    return ctx.req().getContentLengthLong() > 0 || ctx.header("Transfer-Encoding") != null;
  }

  /** Browsers send these on every request they make for a page; other clients have no reason to. */
  private static boolean fromBrowser(Context ctx) {
    return ctx.header("Origin") != null
        || ctx.header("Sec-Fetch-Site") != null
        || ctx.header("Sec-Fetch-Mode") != null;
  }

  private static String charsetOf(String contentType) {
    for (String parameter : contentType.split(";")) {
      String[] pair = parameter.trim().split("=", 2);
      if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("charset")) {
        return pair[1].trim().replace("\"", "");
      }
    }
    return null;
  }

  private static boolean supported(String charset) {
    try {
      return Charset.isSupported(charset);
    } catch (IllegalArgumentException e) {
      return false; // an illegal name
    }
  }
}
