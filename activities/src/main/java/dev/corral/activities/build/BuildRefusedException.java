package dev.corral.activities.build;

/**
 * A build cannot be started, retried or cancelled as asked. {@code reason} says why in a word the
 * API maps to a status: {@code not_found}, {@code conflict} or {@code invalid}.
 */
public final class BuildRefusedException extends RuntimeException {
  public static final String NOT_FOUND = "not_found";
  public static final String CONFLICT = "conflict";
  public static final String INVALID = "invalid";

  private final String reason;

  public BuildRefusedException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
