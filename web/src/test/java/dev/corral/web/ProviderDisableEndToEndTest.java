package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An operator takes a provider out of placement and puts it back; its VMs stay and can still be
 * leased.
 */
class ProviderDisableEndToEndTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;
  static String root;
  static String alice;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          east: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20}
          west: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20}
        pools:
          - {name: p, template: t, providers: [east, west], size: 4}
        """
            .formatted(TestDirs.fresh("e2e-disable"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "disable.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    root = http.token("root", "root-pw");
    alice = http.token("alice", "alice-pw");
    http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 4);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void disabledProvider_getsNoNewVms_keepsItsOwn_andTakesVmsAgainOnceEnabled() {
    try {
      disableUseAndEnable();
    } finally {
      http.send("POST", "/v1/providers/east/enable", null, "X-AUTH-TOKEN", root);
      http.send("POST", "/v1/providers/west/enable", null, "X-AUTH-TOKEN", root);
    }
  }

  private void disableUseAndEnable() {
    Http.Reply disabled =
        http.send(
            "POST",
            "/v1/providers/east/disable",
            "{\"reason\": \"firmware upgrade\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(200, disabled.status(), () -> disabled.body().toString());
    assertEquals("disabled", disabled.body().get("state").asText());
    assertEquals("firmware upgrade", disabled.body().get("disabled_reason").asText());
    assertEquals("root", disabled.body().get("disabled_by").asText());
    assertEquals(0, disabled.body().get("clone_slots_free").asInt());
    assertEquals("disabled", provider("east").get("state").asText());
    assertEquals("ok", provider("west").get("state").asText());

    // Lease every VM (east's too: its VMs stay usable); the refill all goes to west.
    int eastLeased = 0;
    for (int i = 0; i < 4; i++) {
      Http.Reply lease =
          http.send("POST", "/v1/leases", "{\"vms\": {\"p\": 1}}", "X-AUTH-TOKEN", alice);
      assertEquals(201, lease.status(), () -> lease.body().toString());
      String vm = lease.body().get("vms").get(0).get("name").asText();
      eastLeased +=
          http.get("/v1/vms/" + vm).body().get("provider").asText().equals("east") ? 1 : 0;
    }
    int leasedOnEast = eastLeased;
    http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 4);
    JsonNode vms = http.get("/v1/vms?pool=p&state=ready").body();
    for (JsonNode vm : vms) {
      assertEquals(
          "west", vm.get("provider").asText(), () -> "a new VM went to disabled east: " + vms);
    }
    assertEquals(
        leasedOnEast, provider("east").get("inventory_vms").asInt(), "east's leased VMs stay");

    // Both disabled: an empty pool says why, and nothing is cloned.
    assertEquals(
        200, http.send("POST", "/v1/providers/west/disable", null, "X-AUTH-TOKEN", root).status());
    assertEquals("disabled by root", provider("west").get("disabled_reason").asText());
    for (int i = 0; i < 4; i++) {
      assertEquals(
          201,
          http.send("POST", "/v1/leases", "{\"vms\": {\"p\": 1}}", "X-AUTH-TOKEN", alice).status());
    }
    Http.Reply empty =
        http.send("POST", "/v1/leases", "{\"vms\": {\"p\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(503, empty.status(), () -> empty.body().toString());
    assertTrue(
        empty.body().get("error").asText().contains("disabled (east, west)"),
        () -> empty.body().toString());
    assertEquals(0, Http.pool(http.get("/v1/pools").body(), "p").get("provisioning").asInt());

    Http.Reply enabled = http.send("POST", "/v1/providers/east/enable", null, "X-AUTH-TOKEN", root);
    assertEquals(200, enabled.status(), () -> enabled.body().toString());
    assertEquals("ok", enabled.body().get("state").asText());
    assertTrue(enabled.body().get("disabled_reason").isNull());
    http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 4);
    assertEquals(
        200, http.send("POST", "/v1/providers/west/enable", null, "X-AUTH-TOKEN", root).status());
  }

  @Test
  void onlyAnAdmin_mayDisable_andBadInputIsNamed() {
    assertEquals(
        403, http.send("POST", "/v1/providers/east/disable", null, "X-AUTH-TOKEN", alice).status());
    assertEquals(401, http.send("POST", "/v1/providers/east/enable", null).status());
    Http.Reply unknown =
        http.send("POST", "/v1/providers/nowhere/disable", null, "X-AUTH-TOKEN", root);
    assertEquals(404, unknown.status());
    assertEquals("unknown_provider", unknown.body().get("code").asText());
    Http.Reply badReason =
        http.send("POST", "/v1/providers/east/disable", "{\"reason\": 7}", "X-AUTH-TOKEN", root);
    assertEquals(400, badReason.status());
    assertEquals("reason", badReason.body().get("detail").get("field").asText());
    assertEquals("ok", provider("east").get("state").asText(), "a refused call changes nothing");
  }

  private static JsonNode provider(String name) {
    for (JsonNode p : http.get("/v1/providers").body()) {
      if (p.get("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError("no provider " + name);
  }
}
