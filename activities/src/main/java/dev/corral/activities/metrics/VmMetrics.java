package dev.corral.activities.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * A VM's life in numbers, per pool and provider: clone, boot, time to ready and destroy durations,
 * failed tries and VMs given up, and failed provider calls per provider and step. Recorded by the
 * activities (never by workflow code, which must stay free of I/O); label values come from the
 * configuration only, never a VM name.
 */
public final class VmMetrics {
  /** Histogram buckets for VM life-cycle steps: from a simulated second to a slow hour. */
  static final Duration[] BUCKETS =
      seconds(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600);

  private final MeterRegistry registry;

  public VmMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The provider's clone call of one try, from its start until the provider returned. */
  public void cloned(String pool, String provider, Duration took) {
    timer("corral.vm.clone", "Provider clone call of one try, until it returned", pool, provider)
        .record(took);
  }

  /** From the clone's end until the VM answered the readiness probe. */
  public void booted(String pool, String provider, Duration took) {
    timer(
            "corral.vm.boot",
            "From a finished clone until the VM answered the readiness probe",
            pool,
            provider)
        .record(took);
  }

  /** From the VM's reservation (its row) until it was ready, failed tries included. */
  public void becameReady(String pool, String provider, Duration took) {
    timer(
            "corral.vm.time.to.ready",
            "From a VM's reservation until it was ready, failed tries included",
            pool,
            provider)
        .record(took);
  }

  /** From the VM's retirement (state destroying) until the provider confirmed it gone. */
  public void destroyed(String pool, String provider, Duration took) {
    timer(
            "corral.vm.destroy",
            "From a VM's retirement until the provider confirmed it gone",
            pool,
            provider)
        .record(took);
  }

  /** One clone-and-boot try failed (the VM may be tried again). */
  public void tryFailed(String pool, String provider) {
    Counter.builder("corral.vm.try.failures")
        .description("Clone-and-boot tries that failed")
        .tags("pool", pool, "provider", provider)
        .register(registry)
        .increment();
  }

  /** Every try failed: the VM was given up (state failed). */
  public void failed(String pool, String provider) {
    Counter.builder("corral.vm.failures")
        .description("VMs given up after all their tries failed")
        .tags("pool", pool, "provider", provider)
        .register(registry)
        .increment();
  }

  /** A provider call of a VM activity failed ({@code step}: clone, boot, destroy or clean). */
  public void providerError(String provider, String step) {
    Counter.builder("corral.provider.errors")
        .description("Failed provider calls of VM activities, retries included")
        .tags("provider", provider, "step", step)
        .register(registry)
        .increment();
  }

  private Timer timer(String name, String description, String pool, String provider) {
    return Timer.builder(name)
        .description(description)
        .tags("pool", pool, "provider", provider)
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  static Duration[] seconds(long... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofSeconds(values[i]);
    }
    return out;
  }
}
