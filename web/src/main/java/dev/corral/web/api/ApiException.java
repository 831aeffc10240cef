package dev.corral.web.api;

import java.util.Map;

/**
 * A request that cannot be served, with the HTTP status, a stable machine-readable code, a message
 * for people, and details naming what was wrong. {@link ErrorMapping} turns it into JSON.
 */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final Map<String, Object> detail;

  public ApiException(int status, String code, String message, Map<String, Object> detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  public static ApiException badRequest(String message, Map<String, Object> detail) {
    return new ApiException(400, "bad_request", message, detail);
  }

  public static ApiException notFound(String code, String message, Map<String, Object> detail) {
    return new ApiException(404, code, message, detail);
  }

  /**
   * Echoes of user input are cut short: a huge or hostile name must not bloat the reply or the log.
   */
  public static String clip(String s) {
    return s == null || s.length() <= 100 ? s : s.substring(0, 100) + "…";
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public Map<String, Object> detail() {
    return detail;
  }
}
