package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} of a running Corral, read as Prometheus does, after leases that worked and
 * that did not.
 */
class MetricsEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final String POOL = "metrics-pool";
  private static final String EMPTY_POOL = "empty-pool";
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim: {type: simulated, clone_seconds: [0.05, 0.1], boot_seconds: [0.05, 0.1], max_vms: 20}
        pools:
          - {name: %s, alias: [metrics-alias], template: debian-12-base, size: 2}
          - {name: %s, template: debian-12-base, size: 0}
        """
            .formatted(TestDirs.fresh("metrics"), POOL, EMPTY_POOL);
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "metrics.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void
      afterALease_thePoolGaugesTheSuccessCounterAndTheVmTimingsShowIt_withRouteTemplatesAsLabels() {
    http.await("/v1/pools", FILL, pools -> Http.pool(pools, POOL).get("ready").asInt() == 2);
    double successesBefore =
        MetricsScrape.of(app.baseUrl()).value("corral_lease_success_total", "pool", POOL);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"metrics-alias\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String leaseId = lease.body().get("id").asText();
    String vm = lease.body().get("vms").get(0).get("name").asText();
    assertEquals(200, http.get("/v1/leases/" + leaseId).status());
    assertEquals(200, http.get("/v1/vms/" + vm).status());

    // The pool gauges are read from the database at most every 5 s: wait for the read that sees the
    // lease.
    MetricsScrape scrape =
        MetricsScrape.await(
            app.baseUrl(), s -> s.value("corral_pool_vms", "pool", POOL, "state", "leased") == 1);
    assertEquals(2, scrape.value("corral_pool_size", "pool", POOL));
    assertEquals(0, scrape.value("corral_pool_size", "pool", EMPTY_POOL));
    for (String state :
        List.of(
            "provisioning",
            "ready",
            "leased",
            "cleaning",
            "reusable",
            "destroying",
            "destroyed",
            "failed")) {
      assertTrue(
          scrape.has("corral_pool_vms", "pool", POOL, "state", state),
          "no gauge for state " + state);
    }
    assertEquals(
        successesBefore + 1,
        scrape.value("corral_lease_success_total", "pool", POOL),
        "counted under the pool's name, not the alias asked for");
    assertEquals(1, scrape.value("corral_lease_vms_total", "pool", POOL));

    for (String timer :
        List.of(
            "corral_vm_clone_seconds",
            "corral_vm_boot_seconds",
            "corral_vm_time_to_ready_seconds")) {
      assertTrue(
          scrape.value(timer + "_count", "pool", POOL, "provider", "sim") >= 2,
          timer + " counted the pool's VMs");
      assertTrue(
          scrape.has(timer + "_bucket", "pool", POOL, "provider", "sim", "le", "1.0"),
          timer + " is a histogram");
    }
    assertEquals("ok", circuitState(scrape, "sim"));

    assertTrue(
        scrape.value(
                "corral_http_requests_seconds_count",
                "route",
                "/v1/leases",
                "method",
                "POST",
                "status",
                "201")
            >= 1,
        "the lease request, by route");
    assertTrue(
        scrape.has(
            "corral_http_requests_seconds_count",
            "route",
            "/v1/leases/{id}",
            "method",
            "GET",
            "status",
            "200"),
        "the lease's page, by its route template");
    assertTrue(
        scrape.has(
            "corral_http_requests_seconds_count",
            "route",
            "/v1/vms/{name}",
            "method",
            "GET",
            "status",
            "200"),
        "the VM's page, by its route template");
    for (String value : scrape.labelValues()) {
      assertFalse(
          value.contains(vm) || value.contains(leaseId),
          "a VM name or lease id in a label: " + value);
    }

    assertTrue(
        scrape.names().stream().anyMatch(n -> n.startsWith("temporal_")),
        "the Temporal SDK's own meters");
    assertTrue(
        scrape.names().stream().anyMatch(n -> n.startsWith("corral_reconcile_vms_total")),
        "the reconciler's counters");
    assertTrue(
        scrape.names().stream().allMatch(n -> n.startsWith("corral_") || n.startsWith("temporal_")),
        "only corral_ and temporal_ names: " + scrape.names());

    // Released: the VM is destroyed, and its destroy is timed from its retirement.
    assertEquals(200, http.delete("/v1/leases/" + leaseId).status());
    MetricsScrape.await(
        app.baseUrl(),
        s ->
            s.value("corral_vm_destroy_seconds_count", "pool", POOL, "provider", "sim") >= 1
                && s.value("corral_pool_vms", "pool", POOL, "state", "destroyed") >= 1);
  }

  @Test
  void unknownAndEmptyPools_moveTheirCounters_whicheverApiWasAsked() {
    MetricsScrape before = MetricsScrape.of(app.baseUrl());
    double unknownBefore = before.value("corral_lease_unknown_pool_total");
    double emptyBefore = before.value("corral_lease_empty_total", "pool", EMPTY_POOL);

    assertEquals(404, http.post("/v1/leases", "{\"vms\": {\"no-such-pool\": 1}}").status());
    assertEquals(404, http.send("POST", "/api/v3/vm/no-such-pool", null).status());
    assertEquals(503, http.post("/v1/leases", "{\"vms\": {\"" + EMPTY_POOL + "\": 1}}").status());
    assertEquals(404, http.get("/no/such/route").status());
    assertEquals(
        413, http.post("/v1/leases", "{\"vms\": {\"" + "x".repeat(70_000) + "\": 1}}").status());

    MetricsScrape after = MetricsScrape.of(app.baseUrl());
    assertEquals(unknownBefore + 2, after.value("corral_lease_unknown_pool_total"));
    assertEquals(emptyBefore + 1, after.value("corral_lease_empty_total", "pool", EMPTY_POOL));
    assertTrue(
        after.has(
            "corral_http_requests_seconds_count",
            "route",
            "/api/v3/vm/{names}",
            "method",
            "POST",
            "status",
            "404"),
        "the vmpooler checkout by its route template");
    assertTrue(
        after.has(
            "corral_http_requests_seconds_count",
            "route",
            "unmatched",
            "method",
            "GET",
            "status",
            "404"));
    assertTrue(
        after.has(
            "corral_http_requests_seconds_count",
            "route",
            "/v1/leases",
            "method",
            "POST",
            "status",
            "413"),
        "refused before its handler ran, still counted under the route it was meant for");
    assertFalse(
        after.labelValues().contains("/no/such/route"), "an unmatched path never becomes a label");
    assertFalse(
        after.labelValues().contains("no-such-pool"), "an unknown pool name never becomes a label");
  }

  private static String circuitState(MetricsScrape scrape, String provider) {
    for (String state : List.of("ok", "failing", "half_open")) {
      if (scrape.value("corral_provider_circuit", "provider", provider, "state", state) == 1) {
        return state;
      }
    }
    return "none";
  }
}
