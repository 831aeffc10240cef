package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsConfigTest {

  @Test
  void withoutTheKey_nothingIsPushed() {
    assertNull(load("server: {port: 0}\n").metrics().statsd());
    assertNull(load("metrics: {}\n").metrics().statsd());
  }

  @Test
  void statsd_isRead_withEtsyAndPort8125AsDefaults() {
    assertEquals(
        new MetricsConfig.Statsd("stats.example.com", 8125, MetricsConfig.Flavor.ETSY, null),
        load("metrics: {statsd: {host: stats.example.com}}\n").metrics().statsd());
    assertEquals(
        new MetricsConfig.Statsd("127.0.0.1", 9125, MetricsConfig.Flavor.DATADOG, "ci.corral"),
        load("""
            metrics:
              statsd: {host: 127.0.0.1, port: 9125, flavor: datadog, prefix: ci.corral}
            """)
            .metrics()
            .statsd());
    assertEquals(
        MetricsConfig.Flavor.TELEGRAF,
        load("metrics: {statsd: {host: h, flavor: telegraf}}\n").metrics().statsd().flavor());
  }

  @Test
  void badStatsdSettings_areProblemsNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        server: {port: 0}
        metrics:
          statsd:
            port: 70000
            flavor: graphite
            prefix: "a..b"
            interval: 10s
          prometheus: true
        """);
    assertEquals(6, e.problems().size(), e.getMessage());
    assertEquals(3, problemAt(e, "metrics.statsd.host").line());
    assertEquals("required key is missing", problemAt(e, "metrics.statsd.host").message());
    assertEquals(4, problemAt(e, "metrics.statsd.port").line());
    assertEquals(5, problemAt(e, "metrics.statsd.flavor").line());
    assertEquals(
        "must be one of etsy, datadog, telegraf (got 'graphite')",
        problemAt(e, "metrics.statsd.flavor").message());
    assertEquals(6, problemAt(e, "metrics.statsd.prefix").line());
    assertEquals(7, problemAt(e, "metrics.statsd.interval").line());
    assertTrue(
        problemAt(e, "metrics.statsd.interval")
            .message()
            .startsWith("unknown key (allowed: host, port, flavor, prefix)"));
    assertEquals(8, problemAt(e, "metrics.prometheus").line());
    assertTrue(
        problemAt(e, "metrics.prometheus").message().startsWith("unknown key (allowed: statsd)"));
  }
}
