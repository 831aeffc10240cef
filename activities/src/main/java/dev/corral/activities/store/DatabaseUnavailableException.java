package dev.corral.activities.store;

/**
 * The database cannot be reached (down, restarting, unreachable) or has no connection to spare:
 * nothing was read or written, and the same request may succeed later. The API answers 503 {@code
 * database_unavailable}; activities fail with {@code ErrorTypes.DATABASE_UNAVAILABLE}, which
 * workflows outlast.
 */
public final class DatabaseUnavailableException extends RuntimeException {
  public DatabaseUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public DatabaseUnavailableException(String message) {
    super(message);
  }
}
