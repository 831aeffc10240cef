package dev.corral.activities.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;

/**
 * Template build steps: how long each attempt took and how it ended, per template group, provider
 * and step.
 */
public final class BuildMetrics {
  static final Duration[] BUCKETS =
      VmMetrics.seconds(1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200);

  private final MeterRegistry registry;

  public BuildMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records nowhere: for tests and tools that wire build steps without a registry. */
  public static BuildMetrics none() {
    return new BuildMetrics(new CompositeMeterRegistry());
  }

  /** One attempt of a step; {@code outcome} is {@code succeeded} or {@code failed}. */
  public void step(String group, String provider, String step, String outcome, Duration took) {
    Timer.builder("corral.build.step")
        .description("Template build step attempts, by how they ended")
        .tags("group", group, "provider", provider, "step", step, "outcome", outcome)
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(took);
  }
}
