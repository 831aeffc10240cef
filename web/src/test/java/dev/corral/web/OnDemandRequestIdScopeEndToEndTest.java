package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A request_id is the client's own name for its request. Shared across users, whoever used
 * 'ci-build-4711' first blocked everyone else's request of that name, and everyone could poll and
 * cancel it by that name. Real HTTP on loopback, the real database.
 */
class OnDemandRequestIdScopeEndToEndTest {
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
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20, max_concurrent_clones: 10}
        pools:
          - {name: deb, template: t, providers: [sim], size: 1}
          - {name: cen, template: t, providers: [sim], size: 1, anonymous: true}
        """
            .formatted(TestDirs.fresh("e2e-request-ids"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "request-ids.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    root = http.token("root", "root-pw");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void twoUsersMayUseOneRequestId_andEachFindsAndCancelsOnlyTheirOwn() {
    Http.Reply alices =
        http.send(
            "POST",
            "/api/v3/ondemandvm",
            "{\"deb\": \"1\", \"request_id\": \"ci-build-4711\"}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(201, alices.status(), () -> alices.body().toString());
    Http.Reply bobs =
        http.send(
            "POST",
            "/api/v3/ondemandvm",
            "{\"cen\": \"2\", \"request_id\": \"ci-build-4711\"}",
            "X-AUTH-TOKEN",
            bob);
    assertEquals(
        201, bobs.status(), () -> "alice's request id is no business of bob's: " + bobs.body());

    Http.Reply alicePolls =
        http.send("GET", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", alice);
    assertTrue(
        alicePolls.body().has("deb") && !alicePolls.body().has("cen"),
        "alice sees her own: " + alicePolls.body());
    Http.Reply bobPolls =
        http.send("GET", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", bob);
    assertTrue(
        bobPolls.body().has("cen") && !bobPolls.body().has("deb"),
        "bob sees his own: " + bobPolls.body());
    for (String[] stranger : new String[][] {{}, {"X-AUTH-TOKEN", root}}) {
      Http.Reply polled = http.send("GET", "/api/v3/ondemandvm/ci-build-4711", null, stranger);
      assertEquals(
          404,
          polled.status(),
          () -> "anonymous callers and admins have request ids of their own: " + polled.body());
      assertFalse(polled.body().get("ok").asBoolean());
    }

    Http.Reply again =
        http.send(
            "POST",
            "/api/v3/ondemandvm",
            "{\"deb\": \"1\", \"request_id\": \"ci-build-4711\"}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(
        409,
        again.status(),
        () -> "alice's own id used twice is still a duplicate: " + again.body());

    assertEquals(
        200,
        http.send("DELETE", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", bob)
            .status());
    String bobsState =
        http.send("GET", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", bob)
            .body()
            .path("message")
            .asText();
    assertEquals("The request has been deleted", bobsState);
    Http.Reply alicesAfter =
        http.send("GET", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", alice);
    assertNotEquals(
        "The request has been deleted",
        alicesAfter.body().path("message").asText(),
        "bob's delete cancelled bob's request, not alice's: " + alicesAfter.body());
    assertEquals(
        200,
        http.send("DELETE", "/api/v3/ondemandvm/ci-build-4711", null, "X-AUTH-TOKEN", alice)
            .status());
  }

  @Test
  void pendingLeasesOfTwoUsers_mayShareARequestId_butOneUserMayNotReuseTheirs() {
    String body = "{\"vms\": {\"deb\": 1}, \"wait\": \"60s\", \"request_id\": \"nightly-7\"}";
    Http.Reply alices = http.send("POST", "/v1/pending-leases", body, "X-AUTH-TOKEN", alice);
    assertEquals(202, alices.status(), () -> alices.body().toString());
    Http.Reply bobs = http.send("POST", "/v1/pending-leases", body, "X-AUTH-TOKEN", bob);
    assertEquals(202, bobs.status(), () -> bobs.body().toString());
    assertEquals("bob", bobs.body().get("owner").asText());

    Http.Reply duplicate = http.send("POST", "/v1/pending-leases", body, "X-AUTH-TOKEN", bob);
    assertEquals(409, duplicate.status(), () -> duplicate.body().toString());
    assertEquals("duplicate_request", duplicate.body().get("code").asText());
    assertEquals(
        bobs.body().get("id").asText(),
        duplicate.body().get("detail").get("id").asText(),
        "the conflict names bob's own lease, never alice's");

    for (Http.Reply lease : new Http.Reply[] {alices, bobs}) {
      String owner = lease.body().get("owner").asText();
      assertEquals(
          200,
          http.send(
                  "DELETE",
                  "/v1/pending-leases/" + lease.body().get("id").asText(),
                  null,
                  "X-AUTH-TOKEN",
                  owner.equals("alice") ? alice : bob)
              .status());
    }
  }
}
