package dev.corral.web.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Requests Jetty refuses before Javalin sees them (a NUL or other illegal character in the path, a
 * malformed header) would get Jetty's HTML error page; this answers them in the API's JSON shape.
 */
public final class JettyJsonErrors extends ErrorHandler {
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(
        new HttpField(HttpHeader.CONTENT_TYPE, MimeTypes.Type.APPLICATION_JSON_UTF_8.asString()));
    String message = reason == null || reason.isBlank() ? "bad request" : reason;
    String json =
        "{\"ok\":false,\"error\":\""
            + escape("the request was refused before routing: " + message)
            + "\",\"code\":\"bad_request\",\"detail\":{}}";
    return ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
