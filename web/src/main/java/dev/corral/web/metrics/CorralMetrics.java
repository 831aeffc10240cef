package dev.corral.web.metrics;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import dev.corral.config.MetricsConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.time.Duration;

/**
 * The one meter registry of a Corral process, built by the composition root and handed to whatever
 * records: Prometheus text for {@code GET /metrics} always, and a statsd push when {@code
 * metrics.statsd} is configured. The Temporal SDK's own meters ({@code temporal_*}) arrive through
 * {@link #temporalScope()}.
 */
public final class CorralMetrics implements AutoCloseable {
  /** How often the Temporal SDK's buffered meters are handed to Micrometer. */
  static final Duration TEMPORAL_REPORT_INTERVAL = Duration.ofSeconds(1);

  /** How often statsd gauges are sent and buffered lines flushed at the latest. */
  static final Duration STATSD_POLLING = Duration.ofSeconds(10);

  private final PrometheusMeterRegistry prometheus;
  private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
  private Scope temporalScope;

  private CorralMetrics(MetricsConfig.Statsd statsdConfig, Duration statsdPolling) {
    prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.add(prometheus);
    if (statsdConfig != null) {
      StatsdMeterRegistry statsd =
          new StatsdMeterRegistry(statsdConfig(statsdConfig, statsdPolling), Clock.SYSTEM);
      // corral_lease_success in every flavor (etsy would write corralLeaseSuccess), after the
      // prefix if any.
      String prefix = statsdConfig.prefix() == null ? "" : statsdConfig.prefix() + ".";
      statsd
          .config()
          .namingConvention(
              new NamingConvention() {
                @Override
                public String name(String name, Meter.Type type, String baseUnit) {
                  return prefix + NamingConvention.snakeCase.name(name, type, baseUnit);
                }

                @Override
                public String tagKey(String key) {
                  return NamingConvention.snakeCase.tagKey(key);
                }
              });
      registry.add(statsd);
    }
  }

  public static CorralMetrics create(MetricsConfig config) {
    return new CorralMetrics(config.statsd(), STATSD_POLLING);
  }

  /** For tests that cannot wait for the default flush. */
  static CorralMetrics create(MetricsConfig config, Duration statsdPolling) {
    return new CorralMetrics(config.statsd(), statsdPolling);
  }

  /** Where every part of Corral records its meters. */
  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The Temporal SDK's metrics scope, for {@code WorkflowServiceStubsOptions.setMetricsScope}; made
   * once.
   */
  public synchronized Scope temporalScope() {
    if (temporalScope == null) {
      temporalScope =
          new RootScopeBuilder()
              .reporter(new MicrometerClientStatsReporter(registry))
              .reportEvery(com.uber.m3.util.Duration.ofMillis(TEMPORAL_REPORT_INTERVAL.toMillis()));
    }
    return temporalScope;
  }

  /** Every meter in the Prometheus text format (0.0.4). */
  public String scrape() {
    return prometheus.scrape();
  }

  @Override
  public synchronized void close() {
    if (temporalScope != null) {
      try {
        temporalScope.close();
      } catch (ScopeCloseException e) {
        // Only its last report is lost: nothing reads it once the process stops.
      }
    }
    // Closes the registries under it too; statsd sends what it still buffers.
    registry.close();
  }

  private static StatsdConfig statsdConfig(MetricsConfig.Statsd config, Duration polling) {
    StatsdFlavor flavor =
        switch (config.flavor()) {
          case ETSY -> StatsdFlavor.ETSY;
          case DATADOG -> StatsdFlavor.DATADOG;
          case TELEGRAF -> StatsdFlavor.TELEGRAF;
        };
    return new StatsdConfig() {
      @Override
      public String get(String key) {
        return null;
      }

      @Override
      public StatsdFlavor flavor() {
        return flavor;
      }

      @Override
      public String host() {
        return config.host();
      }

      @Override
      public int port() {
        return config.port();
      }

      @Override
      public Duration pollingFrequency() {
        return polling;
      }
    };
  }
}
