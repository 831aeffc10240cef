package dev.corral.activities;

import static dev.corral.activities.ProviderCalls.call;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.activity.ProviderActivities;
import dev.corral.workflows.model.CleanRequest;
import dev.corral.workflows.model.CloneRequest;
import dev.corral.workflows.model.DestroyRequest;
import dev.corral.workflows.model.ReadyOutcome;
import dev.corral.workflows.model.ReadyRequest;
import dev.corral.workflows.model.VmAddress;
import dev.corral.workflows.model.VmReady;
import dev.corral.workflows.model.VmShape;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Wraps the provider SPI as activities. Permanent provider failures become non-retryable
 * {@link ApplicationFailure}s typed with {@link ErrorTypes}; transient ones are rethrown so the
 * activity's retry policy handles them.
 */
public final class ProviderActivitiesImpl implements ProviderActivities {
  private final ProviderRegistry providers;
  private final Duration readyPollInterval;
  private final Predicate<VmReady> markReady;
  private final Consumer<String> markCloned;

  /**
   * {@code markReady} records a booted VM as ready and says whether it is still wanted;
   * {@code markCloned} records when a VM's clone finished.
   */
  public ProviderActivitiesImpl(
      ProviderRegistry providers, Duration readyPollInterval, Predicate<VmReady> markReady, Consumer<String> markCloned) {
    this.providers = providers;
    this.readyPollInterval = readyPollInterval;
    this.markReady = markReady;
    this.markCloned = markCloned;
  }

  @Override
  public void cloneVm(CloneRequest request) {
    call(() -> providers.get(request.provider())
        .cloneVm(request.vm(), request.template(), VmShape.orDefault(request.shape())));
    markCloned.accept(request.vm());
  }

  @Override
  public ReadyOutcome awaitReady(ReadyRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    long deadline = System.nanoTime() + request.timeout().toNanos();
    VmProvider provider = call(() -> providers.get(request.provider()));
    while (true) {
      Readiness readiness = call(() -> provider.checkReady(request.vm()));
      switch (readiness.state()) {
        case READY:
          VmAddress address = new VmAddress(readiness.hostname(), readiness.ip(), readiness.ports());
          return new ReadyOutcome(address, markReady.test(new VmReady(request.vm(), address)));
        case FAILED:
          throw ApplicationFailure.newNonRetryableFailure(
              "vm " + request.vm() + " failed while booting: " + readiness.reason(), ErrorTypes.BOOT_FAILED);
        case BOOTING:
        default:
          break;
      }
      if (System.nanoTime() >= deadline) {
        throw ApplicationFailure.newNonRetryableFailure(
            "vm " + request.vm() + " was not ready within " + request.timeout(), ErrorTypes.BOOT_TIMEOUT);
      }
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout, not the boot timeout.
      context.heartbeat(null);
      sleep(readyPollInterval);
    }
  }

  @Override
  public void destroyVm(DestroyRequest request) {
    call(
        () -> {
          providers.get(request.provider()).destroy(request.vm());
          return null;
        });
  }

  @Override
  public void cleanVm(CleanRequest request) {
    ProviderCalls.run(() -> providers.get(request.provider()).cleanForReuse(request.vm()));
  }

  private static void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
  }
}
