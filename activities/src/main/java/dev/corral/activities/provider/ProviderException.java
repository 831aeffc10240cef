package dev.corral.activities.provider;

/**
 * A provider call failed. {@code permanent} failures will fail again if repeated as they are (a bad
 * template, no capacity); transient ones (a timeout, a dropped connection) are worth retrying.
 * {@code errorType} is one of {@code dev.corral.workflows.ErrorTypes} for permanent failures.
 */
public class ProviderException extends RuntimeException {
  private final boolean permanent;
  private final String errorType;

  public ProviderException(String message, boolean permanent, String errorType) {
    super(message);
    this.permanent = permanent;
    this.errorType = errorType;
  }

  public static ProviderException permanent(String errorType, String message) {
    return new ProviderException(message, true, errorType);
  }

  public static ProviderException transientFailure(String message) {
    return new ProviderException(message, false, "ProviderUnavailable");
  }

  public boolean permanent() {
    return permanent;
  }

  public String errorType() {
    return errorType;
  }
}
