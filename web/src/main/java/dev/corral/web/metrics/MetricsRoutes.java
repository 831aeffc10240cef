package dev.corral.web.metrics;

import dev.corral.activities.metrics.InventoryGauges;
import io.javalin.Javalin;

/** {@code GET /metrics}: every meter in the Prometheus text format, open like {@code /health}. */
public final class MetricsRoutes {
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final CorralMetrics metrics;
  private final InventoryGauges inventory;

  public MetricsRoutes(CorralMetrics metrics, InventoryGauges inventory) {
    this.metrics = metrics;
    this.inventory = inventory;
  }

  public void register(Javalin app) {
    app.get(
        "/metrics",
        ctx -> {
          // New pools get their gauges before the scrape reads them (one cached database read for
          // all of them).
          inventory.sync();
          ctx.contentType(CONTENT_TYPE).result(metrics.scrape());
        });
  }
}
