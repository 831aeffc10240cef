package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The real application in-process (embedded MariaDB, embedded Temporal, simulated provider) over
 * real HTTP.
 */
class CorralEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));

  private static CorralConfig config(Path dataDir) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim:
            type: simulated
            clone_seconds: [0.1, 0.3]
            boot_seconds: [0.1, 0.3]
            max_vms: 20
            max_concurrent_clones: 5
        pools:
          - name: debian-12-x86_64
            alias: [debian-12-64]
            template: debian-12-base
            size: 3
          - name: fedora-40-x86_64
            template: fedora-40-base
            size: 2
            max_lifetime: 4h
        """
            .formatted(dataDir.toAbsolutePath());
    return ConfigLoader.fromYaml(yaml, "e2e.yaml", Map.of());
  }

  @Test
  void poolsFill_leaseAndRelease_refill_andInventorySurvivesRestart() {
    Path dataDir = TestDirs.fresh("e2e");
    Set<String> readyBeforeRestart;
    int providerVmsBeforeRestart;
    try (CorralApp app = CorralApp.start(config(dataDir), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitFull(http);

      Http.Reply lease =
          http.post("/v1/leases", "{\"vms\": {\"debian-12-64\": 1}, \"lifetime\": \"30m\"}");
      assertEquals(201, lease.status(), () -> "lease answer: " + lease.body());
      String leaseId = lease.body().get("id").asText();
      assertNotNull(lease.body().get("expires_at").asText());
      JsonNode vm = lease.body().get("vms").get(0);
      String vmName = vm.get("name").asText();
      assertEquals("debian-12-x86_64", vm.get("pool").asText(), "the alias leases from its pool");
      assertEquals("debian-12-base", vm.get("template").asText());
      assertEquals(vmName, vm.get("hostname").asText());
      assertEquals("leased", http.get("/v1/vms/" + vmName).body().get("state").asText());

      // The pool refills behind the lease: 3 ready again while one is leased.
      http.await(
          "/v1/pools",
          FILL,
          pools ->
              Http.pool(pools, "debian-12-x86_64").get("ready").asInt() == 3
                  && Http.pool(pools, "debian-12-x86_64").get("leased").asInt() == 1);

      assertEquals("active", http.get("/v1/leases/" + leaseId).body().get("state").asText());
      Http.Reply released = http.delete("/v1/leases/" + leaseId);
      assertEquals(200, released.status());
      assertEquals("released", released.body().get("state").asText());

      http.await("/v1/vms/" + vmName, FILL, v -> v.get("state").asText().equals("destroyed"));
      assertTrue(
          app.providers().get("sim").get(vmName).isEmpty(),
          "the released VM is gone from the provider");
      http.await(
          "/v1/pools",
          FILL,
          pools ->
              Http.pool(pools, "debian-12-x86_64").get("ready").asInt() == 3
                  && Http.pool(pools, "debian-12-x86_64").get("leased").asInt() == 0);

      JsonNode sim = http.get("/v1/providers").body().get(0);
      assertEquals("ok", sim.get("state").asText(), sim.toString());
      assertEquals(5, sim.get("vms").asInt(), "what the provider itself reports");
      assertEquals(0.25, sim.get("load").asDouble(), 1e-9, "5 of max_vms 20");
      assertEquals(5, sim.get("clone_slots_free").asInt());
      assertTrue(sim.get("retry_at").isNull(), sim.toString());

      readyBeforeRestart = readyNames(http);
      providerVmsBeforeRestart = app.providers().get("sim").inventory().size();
      assertEquals(5, readyBeforeRestart.size());
      assertEquals(5, providerVmsBeforeRestart, "the provider holds exactly the ready VMs");
    }

    try (CorralApp again = CorralApp.start(config(dataDir), FAST)) {
      Http http = new Http(again.baseUrl());
      assertEquals(readyBeforeRestart, readyNames(http), "the same ready VMs after a restart");
      assertEquals(providerVmsBeforeRestart, again.providers().get("sim").inventory().size());
      assertTrue(
          again.providers().get("sim").inventory().stream()
              .allMatch(v -> v.powerState() == ProviderVm.PowerState.RUNNING));
      Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"fedora-40-x86_64\": 2}}");
      assertEquals(201, lease.status(), () -> "lease after restart: " + lease.body());
    }
  }

  @Test
  void badLeases_getJsonErrors_andLeaveNothingLeased() {
    Path dataDir = TestDirs.fresh("e2e");
    try (CorralApp app = CorralApp.start(config(dataDir), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitFull(http);

      Http.Reply unknown = http.post("/v1/leases", "{\"vms\": {\"debian-12-64\": 1, \"nope\": 1}}");
      assertEquals(404, unknown.status());
      assertEquals("unknown_pool", unknown.body().get("code").asText());
      assertTrue(unknown.body().get("error").asText().contains("nope"));

      Http.Reply tooMany =
          http.post("/v1/leases", "{\"vms\": {\"debian-12-x86_64\": 1, \"fedora-40-x86_64\": 3}}");
      assertEquals(503, tooMany.status());
      assertEquals("fedora-40-x86_64", tooMany.body().get("detail").get("pool").asText());

      Http.Reply tooLong =
          http.post("/v1/leases", "{\"vms\": {\"fedora-40-x86_64\": 1}, \"lifetime\": \"5h\"}");
      assertEquals(400, tooLong.status());
      assertEquals("4h", tooLong.body().get("detail").get("maximum").asText());

      assertEquals(400, http.post("/v1/leases", "{\"vms\": {\"debian-12-64\": 0}}").status());
      assertEquals(
          400, http.post("/v1/leases", "{\"vms\": {\"debian-12-64\": 1}, \"colour\": 1}").status());
      assertEquals(400, http.post("/v1/leases", "not json").status());
      assertEquals(404, http.get("/v1/leases/no-such-lease").status());
      assertEquals(400, http.get("/v1/vms?state=sleeping").status());

      JsonNode pools = http.get("/v1/pools").body();
      assertEquals(
          0,
          Http.pool(pools, "debian-12-x86_64").get("leased").asInt(),
          "a rolled-back claim leases nothing");
      assertEquals(0, Http.pool(pools, "fedora-40-x86_64").get("leased").asInt());
      assertEquals("up", http.get("/health/ready").body().get("status").asText());
    }
  }

  private static void awaitFull(Http http) {
    http.await(
        "/v1/pools",
        FILL,
        pools ->
            Http.pool(pools, "debian-12-x86_64").get("ready").asInt() == 3
                && Http.pool(pools, "fedora-40-x86_64").get("ready").asInt() == 2);
  }

  private static Set<String> readyNames(Http http) {
    JsonNode vms = http.get("/v1/vms?state=ready").body();
    Set<String> names = new TreeSet<>();
    vms.forEach(v -> names.add(v.get("name").asText()));
    return names;
  }
}
