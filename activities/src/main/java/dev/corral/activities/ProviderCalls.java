package dev.corral.activities;

import dev.corral.activities.provider.ProviderException;
import io.temporal.failure.ApplicationFailure;
import java.util.function.Supplier;

/**
 * The one mapping from provider failures to Temporal's: permanent ones become non-retryable {@link
 * ApplicationFailure}s typed with their {@code ErrorTypes} constant; transient ones are rethrown so
 * the activity's retry policy handles them.
 */
public final class ProviderCalls {
  private ProviderCalls() {}

  public static <T> T call(Supplier<T> providerCall) {
    try {
      return providerCall.get();
    } catch (ProviderException e) {
      if (e.permanent()) {
        throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), e.errorType(), e);
      }
      throw e;
    }
  }

  public static void run(Runnable providerCall) {
    call(
        () -> {
          providerCall.run();
          return null;
        });
  }
}
