package dev.corral.web.metrics;

import dev.corral.activities.store.DatabaseAvailability;
import dev.corral.activities.store.embedded.MariaDbSupervisor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Whether the database answers, and with the embedded database how often Corral had to start it
 * again.
 */
public final class DatabaseMetrics {
  private DatabaseMetrics() {}

  /** {@code embedded} is null with an external database: its restarts are not Corral's to count. */
  public static void register(
      MeterRegistry registry, DatabaseAvailability availability, MariaDbSupervisor embedded) {
    Gauge.builder("corral.database.up", availability, a -> a.up() ? 1 : 0)
        .description(
            "1 while the database answers, 0 during an outage (requests that need it answer 503)")
        .register(registry);
    if (embedded != null) {
      FunctionCounter.builder(
              "corral.embedded.database.restarts", embedded, MariaDbSupervisor::restarts)
          .description("Times the embedded MariaDB died and was started again")
          .register(registry);
      Gauge.builder("corral.embedded.database.running", embedded, s -> s.status().up() ? 1 : 0)
          .description("1 while the embedded MariaDB runs, 0 while Corral is starting it again")
          .register(registry);
    }
  }
}
