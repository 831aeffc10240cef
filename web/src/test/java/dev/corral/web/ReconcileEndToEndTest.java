package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.web.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reconciler over HTTP with auth on: reconcile-now (admin only), its counters, and the
 * provider's own inventory. The loop's tick is a minute, so within a test only its first pass (at
 * start-up) runs.
 */
class ReconcileEndToEndTest {
  static CorralApp app;
  static Http http;
  static String bob;
  static String root;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        reconcile: {tick: 1m, window: 10m}
        purge: {allowlist: ["corral-keep-*"]}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20, max_concurrent_clones: 5}
        pools:
          - {name: rec, template: t, providers: [sim], size: 2}
        """
            .formatted(TestDirs.fresh("e2e-reconcile"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "reconcile.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    bob = http.token("bob", "bob-pw");
    root = http.token("root", "root-pw");
    http.await("/v1/pools", Duration.ofSeconds(60), ReconcileEndToEndTest::poolFull);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static boolean poolFull(JsonNode pools) {
    for (JsonNode p : pools) {
      if (p.get("name").asText().equals("rec")) {
        return p.toString().contains("\"ready\":2");
      }
    }
    return false;
  }

  @Test
  void theProvidersInventoryListsWhatItRunsAndAnUnknownProviderIs404() {
    Http.Reply reply = http.get("/v1/providers/sim/inventory");

    assertEquals(200, reply.status(), () -> reply.body().toString());
    assertEquals("sim", reply.body().get("provider").asText());
    Set<String> names = new HashSet<>();
    for (JsonNode vm : reply.body().get("vms")) {
      names.add(vm.get("name").asText());
      assertTrue(
          vm.has("template")
              && vm.has("power_state")
              && vm.has("ip")
              && vm.has("ports")
              && vm.has("created_at"),
          vm::toString);
    }
    for (JsonNode vm : http.get("/v1/vms?pool=rec&state=ready").body()) {
      assertTrue(names.contains(vm.get("name").asText()), () -> vm + " not in " + names);
    }
    Http.Reply unknown = http.get("/v1/providers/nope/inventory");
    assertEquals(404, unknown.status());
    assertEquals("unknown_provider", unknown.body().get("code").asText(), unknown.body()::toString);
  }

  @Test
  void reconcileNowNeedsAnAdmin() {
    assertEquals(401, http.send("POST", "/v1/reconcile", null).status());
    Http.Reply forbidden = http.send("POST", "/v1/reconcile", null, "X-AUTH-TOKEN", bob);
    assertEquals(403, forbidden.status());
    assertTrue(
        forbidden.body().toString().contains("only an admin may reconcile"),
        forbidden.body()::toString);
  }

  @Test
  void reconcileNowRejectsAnUnknownProviderAndBadFields() {
    assertEquals(
        404,
        http.send("POST", "/v1/reconcile", "{\"provider\": \"nope\"}", "X-AUTH-TOKEN", root)
            .status());
    assertEquals(
        400,
        http.send("POST", "/v1/reconcile", "{\"force\": \"yes\"}", "X-AUTH-TOKEN", root).status());
    assertEquals(
        400,
        http.send("POST", "/v1/reconcile", "{\"provder\": \"sim\"}", "X-AUTH-TOKEN", root)
            .status());
    assertEquals(400, http.send("POST", "/v1/reconcile", "[1]", "X-AUTH-TOKEN", root).status());
  }

  @Test
  void reconcileNowPurgesAStrayVmOnlyWhenForcedHereAndKeepsAllowlistedOnes() {
    app.providers().get("sim").cloneVm("corral-stray-e2e", "t");
    app.providers().get("sim").cloneVm("corral-keep-e2e", "t");

    Http.Reply first =
        http.send("POST", "/v1/reconcile", "{\"provider\": \"sim\"}", "X-AUTH-TOKEN", root);
    assertEquals(200, first.status(), () -> first.body().toString());
    JsonNode pass = first.body().get("providers").get(0);
    assertEquals("sim", pass.get("provider").asText());
    assertTrue(pass.get("checked").asInt() >= 2, pass::toString);
    assertEquals(0, pass.get("purged").asInt(), "a first sighting only records the VM");
    assertTrue(inventoryNames().contains("corral-stray-e2e"));

    Http.Reply forced =
        http.send("POST", "/v1/reconcile", "{\"force\": true}", "X-AUTH-TOKEN", root);
    assertEquals(200, forced.status(), () -> forced.body().toString());
    assertEquals(
        1, forced.body().get("providers").get(0).get("purged").asInt(), forced.body()::toString);
    assertFalse(inventoryNames().contains("corral-stray-e2e"));
    assertTrue(inventoryNames().contains("corral-keep-e2e"));

    JsonNode status = http.get("/v1/reconcile").body().get("providers").get(0);
    assertEquals("sim", status.get("provider").asText());
    assertTrue(status.get("passes").asInt() >= 3, status::toString);
    assertTrue(status.get("unknown_purged").asInt() >= 1, status::toString);
    assertTrue(status.get("allowlist_kept").asInt() >= 2, status::toString);
    assertFalse(status.get("last_pass_at").isNull());
    app.providers().get("sim").destroy("corral-keep-e2e");
  }

  @Test
  void aReadyVmTheProviderLostIsReportedLostAndReplaced() {
    String victim = http.get("/v1/vms?pool=rec&state=ready").body().get(0).get("name").asText();
    app.providers().get("sim").destroy(victim);

    Http.Reply reply = http.send("POST", "/v1/reconcile", null, "X-AUTH-TOKEN", root);

    assertEquals(200, reply.status(), () -> reply.body().toString());
    assertEquals(
        1, reply.body().get("providers").get(0).get("lost").asInt(), reply.body()::toString);
    JsonNode vm = http.get("/v1/vms/" + victim).body();
    assertTrue(vm.toString().contains("lost: ready VM not found on provider sim"), vm::toString);
    http.await("/v1/pools", Duration.ofSeconds(60), ReconcileEndToEndTest::poolFull);
  }

  @Test
  void theCliReconcilesARunningCorralAndPrintsTheSummary() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);

    int status =
        Cli.run(
            new String[] {"reconcile", "--all", "--url", app.baseUrl(), "--provider", "sim"},
            Map.of("CORRAL_TOKEN", root),
            o,
            e);

    assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
    String table = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        table.contains("PROVIDER")
            && table.contains("CHECKED")
            && table.lines().anyMatch(l -> l.startsWith("sim ")),
        table);
    out.reset();
    assertEquals(
        0,
        Cli.run(
            new String[] {"reconcile", "--all", "--json", "--url", app.baseUrl()},
            Map.of("CORRAL_TOKEN", root),
            o,
            e));
    assertTrue(
        out.toString(StandardCharsets.UTF_8).contains("\"provider\" : \"sim\""), out::toString);

    err.reset();
    assertEquals(
        1,
        Cli.run(new String[] {"reconcile", "--all", "--url", app.baseUrl()}, Map.of(), o, e),
        "without a token the server answers 401");
    assertTrue(
        err.toString(StandardCharsets.UTF_8).startsWith("corral reconcile: "), err::toString);
    assertEquals(
        2,
        Cli.run(new String[] {"reconcile", "--url", app.baseUrl()}, Map.of(), o, e),
        "--all is required");
  }

  private static Set<String> inventoryNames() {
    Set<String> names = new HashSet<>();
    http.get("/v1/providers/sim/inventory")
        .body()
        .get("vms")
        .forEach(vm -> names.add(vm.get("name").asText()));
    return names;
  }
}
