package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With auth on: owners, anonymous pools, quotas, group provider restrictions and waiting leases,
 * over real HTTP.
 */
class LeaseOwnershipEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;
  static String alice;
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
            - {name: alice, password: alice-pw, groups: [qa]}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        quotas:
          per_user: {max_vms: 3}
          groups: {qa: {providers: [sim]}}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 30, max_concurrent_clones: 10}
          lab: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 5, max_concurrent_clones: 5}
        pools:
          - {name: closed, template: t, providers: [sim], size: 4, lifetime_authenticated: 8h, max_lifetime: 24h}
          - {name: open, template: t, providers: [sim], size: 2, anonymous: true}
          - {name: labpool, template: t, providers: [lab], size: 1}
        """
            .formatted(TestDirs.fresh("e2e-owners"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "owners.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    root = http.token("root", "root-pw");
  }

  /** Tests share the app; each starts once the pools have refilled after the one before. */
  @BeforeEach
  void awaitFullPools() {
    http.await(
        "/v1/pools",
        FILL,
        pools ->
            ready(pools, "closed") == 4
                && ready(pools, "open") == 2
                && ready(pools, "labpool") == 1);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void anonymousCheckout_onlyFromAnonymousPools() {
    Http.Reply refused = http.send("POST", "/api/v3/vm/closed", null);
    assertEquals(401, refused.status(), () -> refused.body().toString());
    assertEquals(false, refused.body().get("ok").asBoolean());
    // Waiting leases and on-demand requests follow the same rule.
    assertEquals(
        401,
        http.send("POST", "/v1/pending-leases", "{\"vms\": {\"closed\": 1}, \"wait\": \"60s\"}")
            .status());
    assertEquals(401, http.send("POST", "/api/v3/ondemandvm/closed", null).status());
    Http.Reply open = http.send("POST", "/api/v3/vm/open", null);
    assertEquals(200, open.status(), () -> open.body().toString());
    String host = open.body().get("open").get("hostname").asText();
    // An anonymous VM may be given back by anyone, as in vmpooler.
    assertEquals(200, http.send("DELETE", "/api/v3/vm/" + host, null).status());
  }

  @Test
  void onlyTheOwnerOrAnAdmin_mayChangeOrReleaseAVmOrALease() {
    Http.Reply mine = http.send("POST", "/api/v3/vm/closed", null, "X-AUTH-TOKEN", alice);
    assertEquals(200, mine.status(), () -> mine.body().toString());
    String host = mine.body().get("closed").get("hostname").asText();
    JsonNode shown = http.get("/api/v3/vm/" + host).body().get(host);
    assertEquals("alice", shown.get("user").asText());
    assertEquals(8, shown.get("lifetime").asInt(), "token holders get lifetime_authenticated");

    assertEquals(
        403, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", bob).status());
    assertEquals(
        403,
        http.send("PUT", "/api/v3/vm/" + host, "{\"lifetime\": 10}", "X-AUTH-TOKEN", bob).status());
    assertEquals(
        403,
        http.send("PUT", "/api/v3/vm/" + host, "{\"tags\": {\"a\": \"b\"}}", "X-AUTH-TOKEN", bob)
            .status());
    assertEquals(401, http.send("DELETE", "/api/v3/vm/" + host, null).status());
    assertEquals(
        "running",
        http.get("/api/v3/vm/" + host).body().get(host).get("state").asText(),
        "still alice's");
    assertEquals(
        200,
        http.send("PUT", "/api/v3/vm/" + host, "{\"lifetime\": 10}", "X-AUTH-TOKEN", alice)
            .status());
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", alice).status());

    Http.Reply lease =
        http.send("POST", "/v1/leases", "{\"vms\": {\"closed\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String id = lease.body().get("id").asText();
    assertEquals("alice", lease.body().get("owner").asText());
    assertEquals(
        403,
        http.send("PATCH", "/v1/leases/" + id, "{\"lifetime\": \"9h\"}", "X-AUTH-TOKEN", bob)
            .status());
    assertEquals(403, http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", bob).status());
    assertEquals(
        403, http.send("GET", "/v1/leases?owner=alice", null, "X-AUTH-TOKEN", bob).status());
    assertEquals(
        403,
        http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", bob).status(),
        "nor read it");
    assertEquals(401, http.get("/v1/leases/" + id).status());
    assertEquals(200, http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice).status());
    JsonNode alices =
        http.send("GET", "/v1/leases?state=active", null, "X-AUTH-TOKEN", alice).body();
    assertTrue(alices.size() >= 1);
    alices.forEach(l -> assertEquals("alice", l.get("owner").asText()));
    http.send("GET", "/v1/leases?state=active", null, "X-AUTH-TOKEN", bob)
        .body()
        .forEach(l -> assertEquals("bob", l.get("owner").asText(), "bob sees only his own"));
    assertEquals(
        200,
        http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root).status(),
        "admins may");
  }

  @Test
  void aRequestOverTheUsersQuota_is429NamingIt_andLeasesNothing() {
    Http.Reply three =
        http.send("POST", "/v1/leases", "{\"vms\": {\"closed\": 3}}", "X-AUTH-TOKEN", bob);
    assertEquals(201, three.status(), () -> three.body().toString());

    Http.Reply over = http.send("POST", "/api/v3/vm/open", null, "X-AUTH-TOKEN", bob);
    assertEquals(429, over.status(), () -> over.body().toString());
    assertTrue(
        over.body().get("error").asText().contains("quotas.per_user.max_vms"),
        over.body().toString());
    Http.Reply overV1 =
        http.send("POST", "/v1/leases", "{\"vms\": {\"open\": 1}}", "X-AUTH-TOKEN", bob);
    assertEquals(429, overV1.status());
    assertEquals("quotas.per_user.max_vms", overV1.body().get("detail").get("quota").asText());
    assertEquals(
        200,
        http.send(
                "DELETE",
                "/v1/leases/" + three.body().get("id").asText(),
                null,
                "X-AUTH-TOKEN",
                bob)
            .status());
  }

  @Test
  void aWaitingLeaseOverTheQuota_is429_andAWaitingLeaseCountsAgainstLaterCheckouts() {
    Http.Reply tooMany =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"closed\": 4}, \"wait\": \"60s\"}",
            "X-AUTH-TOKEN",
            bob);
    assertEquals(429, tooMany.status(), () -> tooMany.body().toString());
    assertEquals("quotas.per_user.max_vms", tooMany.body().get("detail").get("quota").asText());
    Http.Reply onDemand =
        http.send(
            "POST", "/api/v3/ondemandvm/closed+closed+closed+closed", null, "X-AUTH-TOKEN", bob);
    assertEquals(429, onDemand.status(), () -> onDemand.body().toString());
    for (JsonNode lease : http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", bob).body()) {
      assertNotEquals(
          "pending", lease.get("state").asText(), "a refused waiting lease leaves nothing behind");
    }

    Http.Reply waiting =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"closed\": 3}, \"wait\": \"60s\"}",
            "X-AUTH-TOKEN",
            bob);
    assertEquals(202, waiting.status(), () -> waiting.body().toString());
    String id = waiting.body().get("id").asText();
    Http.Reply over = http.send("POST", "/api/v3/vm/open", null, "X-AUTH-TOKEN", bob);
    assertEquals(
        429, over.status(), "the waiting lease's three VMs already fill bob's quota of three");
    http.await(
        "/v1/pending-leases/" + id,
        FILL,
        l -> l.get("state").asText().equals("active"),
        "X-AUTH-TOKEN",
        bob);
    assertEquals(200, http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", bob).status());
  }

  @Test
  void templateAndBuildWrites_needAnAdmin_whileReadsStayOpen() {
    String[][] writes = {
      {"DELETE", "/v1/templates/1", null, "delete templates"},
      {"POST", "/v1/builds", "{\"template_id\": 1}", "start builds"},
      {"POST", "/v1/builds/1/retry", null, "retry builds"},
      {"POST", "/v1/builds/1/cancel", null, "cancel builds"},
      {"POST", "/v1/tracker/poll", null, "poll the tracker"}
    };
    for (String[] w : writes) {
      Http.Reply anonymous = http.send(w[0], w[1], w[2]);
      assertEquals(401, anonymous.status(), w[1] + " " + anonymous.body());
      Http.Reply user = http.send(w[0], w[1], w[2], "X-AUTH-TOKEN", bob);
      assertEquals(403, user.status(), w[1] + " " + user.body());
      assertTrue(
          user.body().get("error").asText().contains("only an admin may " + w[3]),
          user.body().toString());
    }
    // An admin gets past the check: there is no such template or build, and the tracker poll is
    // taken.
    assertEquals(
        404, http.send("DELETE", "/v1/templates/999999", null, "X-AUTH-TOKEN", root).status());
    assertEquals(
        404, http.send("POST", "/v1/builds/999999/cancel", null, "X-AUTH-TOKEN", root).status());
    assertEquals(202, http.send("POST", "/v1/tracker/poll", null, "X-AUTH-TOKEN", root).status());
    assertEquals(
        200, http.send("GET", "/v1/templates", null).status(), "reads need no credentials");
    assertNotEquals(
        "deleted",
        http.get("/v1/templates/1").body().get("state").asText(),
        "the pools' template 1 outlived the refused deletes");
    assertEquals(200, http.send("GET", "/v1/builds", null, "X-AUTH-TOKEN", bob).status());
  }

  @Test
  void aGroupRestrictedToOneProvider_cannotUseAPoolOnAnother() {
    Http.Reply refused =
        http.send("POST", "/v1/leases", "{\"vms\": {\"labpool\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(403, refused.status(), () -> refused.body().toString());
    assertTrue(refused.body().get("error").asText().contains("lab"));
    Http.Reply bobs =
        http.send("POST", "/v1/leases", "{\"vms\": {\"labpool\": 1}}", "X-AUTH-TOKEN", bob);
    assertEquals(201, bobs.status(), "bob has no restricting group");
    assertEquals(
        200,
        http.send(
                "DELETE", "/v1/leases/" + bobs.body().get("id").asText(), null, "X-AUTH-TOKEN", bob)
            .status());
  }

  @Test
  void waitMoreThanZero_is202_andTheLeaseFillsBeyondTheReadyStock() {
    Http.Reply pending =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"closed\": 7}, \"wait\": \"60s\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(202, pending.status(), () -> pending.body().toString());
    String id = pending.body().get("id").asText();

    http.await(
        "/v1/pending-leases/" + id,
        FILL,
        l -> l.get("state").asText().equals("active"),
        "X-AUTH-TOKEN",
        root);
    JsonNode lease = http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root).body();
    assertEquals(7, lease.get("vms").size());
    assertEquals("root", lease.get("owner").asText());
    assertEquals(200, http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root).status());
  }

  private static int ready(JsonNode pools, String name) {
    for (JsonNode p : pools) {
      if (p.get("name").asText().equals(name)) {
        return p.get("ready").asInt();
      }
    }
    return -1;
  }
}
