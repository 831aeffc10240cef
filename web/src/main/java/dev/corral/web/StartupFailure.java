package dev.corral.web;

/**
 * Corral cannot start because something it was configured to use is not there. The message is one
 * line for the operator, naming the config key and the address, with no stack trace: {@link Main}
 * prints it and exits non-zero.
 */
public final class StartupFailure extends RuntimeException {
  public StartupFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The innermost cause's message when it is a network error (safe to show: no URL, no
   * credentials).
   */
  static String networkReason(Throwable e) {
    Throwable root = e;
    String reason = null;
    while (root != null) {
      if (root instanceof java.io.IOException && root.getMessage() != null) {
        reason = root.getMessage();
      }
      root = root.getCause() == root ? null : root.getCause();
    }
    return reason == null ? "no connection" : reason.lines().findFirst().orElse("no connection");
  }
}
