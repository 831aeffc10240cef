package dev.corral.activities.testing;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import java.util.function.BiConsumer;

/**
 * A worker interceptor that runs {@code hook(activityType, arguments)} just before each activity
 * executes.
 */
public final class BeforeActivity extends WorkerInterceptorBase {
  private final BiConsumer<String, Object[]> hook;

  public BeforeActivity(BiConsumer<String, Object[]> hook) {
    this.hook = hook;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext context) {
        this.context = context;
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        hook.accept(context.getInfo().getActivityType(), input.getArguments());
        return super.execute(input);
      }
    };
  }
}
