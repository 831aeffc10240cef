package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Clients polling an empty pool (vmpooler's {@code POST /api/v3/vm/<pool>} and {@code POST
 * /v1/leases}, answered 503 {@code pool_empty}) once wrote a WARN line per request: 17,868 lines in
 * 12 minutes. Now the log shows the refusal when it starts (and then once a minute), and {@code
 * corral_http_refusals_total} counts every one.
 */
class RefusalLogEndToEndTest {
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final int POLLS = 3000;

  @Test
  void pollingAnEmptyPoolThousandsOfTimes_logsAHandfulOfLines_andTheMetricCountsEveryRefusal()
      throws Exception {
    try (CorralApp app = CorralApp.start(config(), FAST);
        CapturedStderr log = CapturedStderr.start()) {
      Http http = new Http(app.baseUrl());

      for (int i = 0; i < POLLS; i++) {
        Http.Reply reply =
            i % 2 == 0
                ? http.post("/v1/leases", "{\"vms\": {\"ci\": 1}}")
                : http.post("/api/v3/vm/ci", "");
        assertEquals(503, reply.status(), reply::toString);
      }
      // Another kind of refusal is not held back by the first.
      assertEquals(404, http.get("/v1/vms/no-such-vm").status());

      MetricsScrape scrape = MetricsScrape.of(app.baseUrl());
      assertEquals(POLLS, scrape.value("corral_http_refusals_total", "reason", "pool_empty"));
      assertEquals(POLLS, scrape.value("corral_lease_empty_total", "pool", "ci"));
      assertEquals(1, scrape.value("corral_http_refusals_total", "reason", "unknown_vm"));

      List<String> lines = log.lines();
      List<String> aboutTheEmptyPool =
          lines.stream().filter(l -> l.contains("pool_empty")).toList();
      // One when the refusals start; a slow machine may cross into a second minute.
      assertTrue(
          aboutTheEmptyPool.size() >= 1 && aboutTheEmptyPool.size() <= 2, String.join("\n", lines));
      assertTrue(
          aboutTheEmptyPool
              .get(0)
              .matches(
                  ".* WARN ErrorMapping - POST (/v1/leases|/api/v3/vm/ci) -> 503 "
                      + "pool_empty: .*ci.*"),
          aboutTheEmptyPool.get(0));
      assertTrue(lines.size() < 20, "the whole log while polling:\n" + String.join("\n", lines));
      assertEquals(
          1,
          lines.stream()
              .filter(l -> l.contains("GET /v1/vms/no-such-vm -> 404 unknown_vm: "))
              .count(),
          String.join("\n", lines));
    }
  }

  private static dev.corral.config.CorralConfig config() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        pools:
          - {name: ci, template: ci-base, size: 0}
        """
            .formatted(TestDirs.fresh("refusal-log"));
    return ConfigLoader.fromYaml(yaml, "refusal-log.yaml", Map.of());
  }
}
