package dev.corral.activities;

import static dev.corral.activities.ProviderCalls.call;

import dev.corral.activities.metrics.VmMetrics;
import dev.corral.activities.provider.ProviderException;
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
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * Wraps the provider SPI as activities. Permanent provider failures become non-retryable {@link
 * ApplicationFailure}s typed with {@link ErrorTypes}; transient ones are rethrown so the activity's
 * retry policy handles them.
 */
public final class ProviderActivitiesImpl implements ProviderActivities {
  private final ProviderRegistry providers;
  private final Duration readyPollInterval;
  private final BiPredicate<VmReady, Duration> markReady;
  private final BiConsumer<String, Duration> markCloned;
  private final VmMetrics metrics;

  /**
   * {@code markReady} records a booted VM as ready, with how long its boot took, and says whether
   * it is still wanted; {@code markCloned} records when a VM's clone finished and how long the
   * provider's clone took.
   */
  public ProviderActivitiesImpl(
      ProviderRegistry providers,
      Duration readyPollInterval,
      BiPredicate<VmReady, Duration> markReady,
      BiConsumer<String, Duration> markCloned,
      VmMetrics metrics) {
    this.providers = providers;
    this.readyPollInterval = readyPollInterval;
    this.markReady = markReady;
    this.markCloned = markCloned;
    this.metrics = metrics;
  }

  @Override
  public void cloneVm(CloneRequest request) {
    long started = System.nanoTime();
    counted(
        request.provider(),
        "clone",
        () ->
            call(
                () ->
                    providers
                        .get(request.provider())
                        .cloneVm(
                            request.vm(), request.template(), VmShape.orDefault(request.shape()))));
    markCloned.accept(request.vm(), Duration.ofNanos(System.nanoTime() - started));
  }

  @Override
  public ReadyOutcome awaitReady(ReadyRequest request) {
    return counted(request.provider(), "boot", () -> waitUntilReady(request));
  }

  private ReadyOutcome waitUntilReady(ReadyRequest request) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    long started = System.nanoTime();
    long deadline = started + request.timeout().toNanos();
    VmProvider provider = call(() -> providers.get(request.provider()));
    while (true) {
      Readiness readiness = call(() -> provider.checkReady(request.vm()));
      switch (readiness.state()) {
        case READY:
          VmAddress address =
              new VmAddress(readiness.hostname(), readiness.ip(), readiness.ports());
          Duration booted = Duration.ofNanos(System.nanoTime() - started);
          return new ReadyOutcome(
              address, markReady.test(new VmReady(request.vm(), address), booted));
        case FAILED:
          throw ApplicationFailure.newNonRetryableFailure(
              "vm " + request.vm() + " failed while booting: " + readiness.reason(),
              ErrorTypes.BOOT_FAILED);
        case BOOTING:
        default:
          break;
      }
      if (System.nanoTime() >= deadline) {
        throw ApplicationFailure.newNonRetryableFailure(
            "vm " + request.vm() + " was not ready within " + request.timeout(),
            ErrorTypes.BOOT_TIMEOUT);
      }
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout, not the boot
      // timeout.
      context.heartbeat(null);
      sleep(readyPollInterval);
    }
  }

  @Override
  public void destroyVm(DestroyRequest request) {
    counted(
        request.provider(),
        "destroy",
        () ->
            call(
                () -> {
                  providers.get(request.provider()).destroy(request.vm());
                  return null;
                }));
  }

  @Override
  public void cleanVm(CleanRequest request) {
    counted(
        request.provider(),
        "clean",
        () -> {
          ProviderCalls.run(() -> providers.get(request.provider()).cleanForReuse(request.vm()));
          return null;
        });
  }

  /**
   * Runs a provider step, counting its failure: a provider error (retried or not) or a failed or
   * timed-out boot. A cancelled activity is not the provider's failure.
   */
  private <T> T counted(String provider, String step, Supplier<T> work) {
    try {
      return work.get();
    } catch (ProviderException | ApplicationFailure e) {
      metrics.providerError(provider, step);
      throw e;
    }
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
