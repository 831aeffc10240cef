package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code reuse: same_owner} over real HTTP: release, the owner's next lease, other owners,
 * restarts.
 */
class VmReuseEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  static CorralApp app;
  static Http http;
  static String alice;
  static String bob;

  /**
   * Only the vmpooler test's: a VM an earlier test left held for alice would count against its
   * uses.
   */
  static String carol;

  /**
   * A reuse pool (anonymous leases allowed, to show they are never reused) and a pool without
   * reuse.
   */
  private static CorralConfig config(Path dataDir, String cleanSeconds) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: carol, password: carol-pw}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, clean_seconds: %s, max_vms: 20}
        pools:
          - {name: ci, template: t, size: 2, anonymous: true, reuse: same_owner, reuse_within: 1h, reuse_max_uses: 3}
          - {name: plain, template: t, size: 1}
        """
            .formatted(dataDir.toAbsolutePath(), cleanSeconds);
    return ConfigLoader.fromYaml(yaml, "reuse.yaml", Map.of());
  }

  @BeforeAll
  static void start() {
    app = CorralApp.start(config(TestDirs.fresh("e2e-reuse"), "0.2"), FAST);
    http = new Http(app.baseUrl());
    alice = token(http, "alice", "alice-pw");
    bob = token(http, "bob", "bob-pw");
    carol = token(http, "carol", "carol-pw");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /** Tests share the app; each starts with full pools. */
  @BeforeEach
  void awaitFullPools() {
    awaitPools(
        http,
        pools ->
            Http.pool(pools, "ci").get("ready").asInt() == 2
                && Http.pool(pools, "plain").get("ready").asInt() == 1);
  }

  @Test
  void releasedVm_goesToItsOwnersNextLease_neverToAnotherOwner_andThePoolStillOffersSizeReadyVms() {
    Http.Reply first =
        http.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, first.status(), () -> first.body().toString());
    String vm = first.body().get("vms").get(0).get("name").asText();
    String leaseId = first.body().get("id").asText();

    Http.Reply released = http.send("DELETE", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", alice);
    assertEquals(200, released.status());
    assertEquals(
        "cleaning",
        released.body().get("vms").get(0).get("state").asText(),
        "the release shows the VM being cleaned for its owner, not destroyed");

    JsonNode held =
        http.await("/v1/vms/" + vm, WAIT, v -> v.get("state").asText().equals("reusable")).body();
    assertEquals("alice", held.get("reserved_for").asText());
    assertEquals(1, held.get("uses").asInt());
    assertTrue(held.hasNonNull("reusable_until"), held.toString());
    assertEquals(
        "reusable",
        http.send("GET", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", alice)
            .body()
            .get("vms")
            .get(0)
            .get("state")
            .asText());
    awaitPools(
        http,
        pools ->
            Http.pool(pools, "ci").get("ready").asInt() == 2
                && Http.pool(pools, "ci").get("reusable").asInt() == 1);
    assertEquals(
        2,
        http.get("/api/v3/status").body().get("pools").get("ci").get("ready").asInt(),
        "a VM held for alice is not ready stock");

    Http.Reply bobs =
        http.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}", "X-AUTH-TOKEN", bob);
    assertEquals(201, bobs.status(), () -> bobs.body().toString());
    assertNotEquals(vm, bobs.body().get("vms").get(0).get("name").asText());
    Http.Reply again =
        http.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, again.status(), () -> again.body().toString());
    assertEquals(vm, again.body().get("vms").get(0).get("name").asText(), "alice gets her VM back");
    JsonNode leased = http.get("/v1/vms/" + vm).body();
    assertEquals("leased", leased.get("state").asText());
    assertEquals(2, leased.get("uses").asInt());
    assertTrue(leased.get("reserved_for").isNull(), leased.toString());

    release(bobs.body().get("id").asText(), bob);
    release(again.body().get("id").asText(), alice);
  }

  @Test
  void vmpoolerGiveBack_keepsTheVm_forTheSameUsersNextCheckout() {
    Http.Reply checkout = http.send("POST", "/api/v3/vm/ci", null, "X-AUTH-TOKEN", carol);
    assertEquals(200, checkout.status(), () -> checkout.body().toString());
    String host = checkout.body().get("ci").get("hostname").asText();

    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", carol).status());
    http.await("/v1/vms/" + host, WAIT, v -> v.get("state").asText().equals("reusable"));
    awaitPools(http, pools -> Http.pool(pools, "ci").get("ready").asInt() == 2);

    Http.Reply next = http.send("POST", "/api/v3/vm/ci", null, "X-AUTH-TOKEN", carol);
    assertEquals(200, next.status(), () -> next.body().toString());
    assertEquals(host, next.body().get("ci").get("hostname").asText());
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", carol).status());
  }

  @Test
  void anonymousLeases_andPoolsWithoutReuse_destroyReleasedVms() {
    Http.Reply anonymous = http.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}");
    assertEquals(201, anonymous.status(), () -> anonymous.body().toString());
    Http.Reply plain =
        http.send("POST", "/v1/leases", "{\"vms\": {\"plain\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, plain.status(), () -> plain.body().toString());

    assertEquals(
        200,
        http.send("DELETE", "/v1/leases/" + anonymous.body().get("id").asText(), null).status());
    release(plain.body().get("id").asText(), alice);

    for (Http.Reply lease : new Http.Reply[] {anonymous, plain}) {
      String vm = lease.body().get("vms").get(0).get("name").asText();
      JsonNode gone =
          http.await("/v1/vms/" + vm, WAIT, v -> v.get("state").asText().equals("destroyed"))
              .body();
      assertEquals("lease released", gone.get("retire_reason").asText());
      assertEquals(1, gone.get("uses").asInt(), "it served one lease");
    }
  }

  /**
   * The embedded Temporal server forgets every workflow in a restart: a VM cleaning when Corral
   * stopped is cleaned and held by a new workflow, and stays its owner's.
   */
  @Test
  void vmCleaningWhenCorralStops_isHeldForItsOwnerAfterTheRestart() {
    Path dataDir = TestDirs.fresh("e2e-reuse-restart");
    String vm;
    try (CorralApp first = CorralApp.start(config(dataDir, "3"), FAST)) {
      Http h = new Http(first.baseUrl());
      String token = token(h, "alice", "alice-pw");
      awaitPools(h, pools -> Http.pool(pools, "ci").get("ready").asInt() == 2);
      Http.Reply lease =
          h.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}", "X-AUTH-TOKEN", token);
      assertEquals(201, lease.status(), () -> lease.body().toString());
      vm = lease.body().get("vms").get(0).get("name").asText();
      assertEquals(
          200,
          h.send(
                  "DELETE",
                  "/v1/leases/" + lease.body().get("id").asText(),
                  null,
                  "X-AUTH-TOKEN",
                  token)
              .status());
      assertEquals("cleaning", h.get("/v1/vms/" + vm).body().get("state").asText());
    }

    try (CorralApp again = CorralApp.start(config(dataDir, "0.2"), FAST)) {
      Http h = new Http(again.baseUrl());
      JsonNode held =
          h.await("/v1/vms/" + vm, WAIT, v -> v.get("state").asText().equals("reusable")).body();
      assertEquals("alice", held.get("reserved_for").asText());
      String token = token(h, "alice", "alice-pw");
      Http.Reply next =
          h.send("POST", "/v1/leases", "{\"vms\": {\"ci\": 1}}", "X-AUTH-TOKEN", token);
      assertEquals(201, next.status(), () -> next.body().toString());
      assertEquals(vm, next.body().get("vms").get(0).get("name").asText());
    }
  }

  private static void release(String leaseId, String token) {
    assertEquals(
        200, http.send("DELETE", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", token).status());
  }

  private static void awaitPools(Http h, java.util.function.Predicate<JsonNode> condition) {
    h.await("/v1/pools", WAIT, condition);
  }

  private static String token(Http h, String user, String password) {
    String pair =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    Http.Reply reply = h.send("POST", "/v1/tokens", null, "Authorization", "Basic " + pair);
    assertEquals(201, reply.status(), () -> reply.body().toString());
    return reply.body().get("token").asText();
  }
}
