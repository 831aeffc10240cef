package dev.corral.activities;

import dev.corral.activities.store.DatabaseUnavailableException;
import dev.corral.workflows.ErrorTypes;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;

/**
 * Gives every activity failure that comes from an unreachable database one type, {@link
 * ErrorTypes#DATABASE_UNAVAILABLE}, so workflows can tell "the database was away" from "the
 * provider or the step failed" and wait for the database instead of counting a try. In one place,
 * for every activity, local ones included.
 */
public final class DatabaseFailures extends WorkerInterceptorBase {
  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      @Override
      public ActivityOutput execute(ActivityInput input) {
        try {
          return super.execute(input);
        } catch (RuntimeException e) {
          DatabaseUnavailableException unavailable = find(e);
          if (unavailable == null) {
            throw e;
          }
          // Retryable: an activity with unlimited tries simply runs again once the database is
          // back.
          throw ApplicationFailure.newFailureWithCause(
              unavailable.getMessage(), ErrorTypes.DATABASE_UNAVAILABLE, e);
        }
      }
    };
  }

  private static DatabaseUnavailableException find(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof DatabaseUnavailableException unavailable) {
        return unavailable;
      }
    }
    return null;
  }
}
