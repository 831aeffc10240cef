package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
 * Who leased what is for the lease's owner and admins. Lease ids are shown to anyone in /v1/vms, so
 * reading one lease by id must follow the same rule as listing leases; and a refusal must not
 * repeat the ids it was asked about. Real HTTP on loopback, the real database.
 */
class LeaseReadAccessEndToEndTest {
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
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20, max_concurrent_clones: 10}
        pools:
          - {name: closed, template: t, providers: [sim], size: 2}
          - {name: open, template: t, providers: [sim], size: 1, anonymous: true}
        """
            .formatted(TestDirs.fresh("e2e-lease-reads"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "lease-reads.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    root = http.token("root", "root-pw");
    http.await(
        "/v1/pools",
        FILL,
        pools ->
            Http.pool(pools, "closed").get("ready").asInt() == 2
                && Http.pool(pools, "open").get("ready").asInt() == 1);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void aLeaseAndAPendingLease_areReadOnlyByTheirOwnerOrAnAdmin() {
    Http.Reply lease =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"closed\": 1}, \"tags\": {\"job\": \"secret-job\"}}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String id = lease.body().get("id").asText();
    assertTrue(vmsShowLease(id), "the lease id is there for anyone to see in /v1/vms");
    Http.Reply pending =
        http.send(
            "POST",
            "/v1/pending-leases",
            "{\"vms\": {\"closed\": 1}, \"wait\": \"60s\"}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(202, pending.status(), () -> pending.body().toString());
    String pendingId = pending.body().get("id").asText();

    for (String path : List.of("/v1/leases/" + id, "/v1/pending-leases/" + pendingId)) {
      Http.Reply anonymous = http.get(path);
      assertEquals(401, anonymous.status(), () -> path + ": " + anonymous.body());
      assertEquals("token_required", anonymous.body().get("code").asText());
      assertTellsNothing(anonymous, id, pendingId);

      Http.Reply other = http.send("GET", path, null, "X-AUTH-TOKEN", bob);
      assertEquals(403, other.status(), () -> path + ": " + other.body());
      assertEquals("forbidden", other.body().get("code").asText());
      assertTellsNothing(other, id, pendingId);

      Http.Reply owner = http.send("GET", path, null, "X-AUTH-TOKEN", alice);
      assertEquals(200, owner.status(), () -> path + ": " + owner.body());
      assertEquals("alice", owner.body().get("owner").asText());
      assertEquals(
          200,
          http.send("GET", path, null, "X-AUTH-TOKEN", root).status(),
          "an admin reads anyone's");
    }
    assertEquals(
        "secret-job",
        http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice)
            .body()
            .get("tags")
            .get("job")
            .asText());
    assertEquals(
        200,
        http.send("DELETE", "/v1/pending-leases/" + pendingId, null, "X-AUTH-TOKEN", alice)
            .status());
    assertEquals(
        200, http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice).status());
  }

  @Test
  void aLeaseTakenAnonymously_isReadByAnyone_asAnyoneMayReleaseIt() {
    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"open\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String id = lease.body().get("id").asText();
    Http.Reply read = http.get("/v1/leases/" + id);
    assertEquals(200, read.status(), () -> read.body().toString());
    assertTrue(read.body().get("owner").isNull(), "it has no owner to protect: " + read.body());
    assertEquals(200, http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", bob).status());
    assertEquals(200, http.delete("/v1/leases/" + id).status());
  }

  @Test
  void refusalsToChangeSomeoneElsesLeaseOrVm_doNotRepeatItsIds() {
    Http.Reply lease =
        http.send("POST", "/v1/leases", "{\"vms\": {\"closed\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String id = lease.body().get("id").asText();
    String vm = lease.body().get("vms").get(0).get("name").asText();
    String[][] refused = {
      {"PATCH", "/v1/leases/" + id, "{\"lifetime\": \"3h\"}"},
      {"DELETE", "/v1/leases/" + id, null},
      {"POST", "/v1/vms/" + vm + "/snapshots", null},
      {"PUT", "/api/v3/vm/" + vm, "{\"lifetime\": \"4\"}"},
      {"DELETE", "/api/v3/vm/" + vm, null}
    };
    for (String[] r : refused) {
      Http.Reply anonymous = http.send(r[0], r[1], r[2]);
      assertEquals(401, anonymous.status(), () -> r[0] + " " + r[1] + ": " + anonymous.body());
      assertTellsNothing(anonymous, id, vm);
      Http.Reply other = http.send(r[0], r[1], r[2], "X-AUTH-TOKEN", bob);
      assertEquals(403, other.status(), () -> r[0] + " " + r[1] + ": " + other.body());
      assertTellsNothing(other, id, vm);
    }

    // vmpooler's DELETE /token/<token>: the refusal does not give away the id of alice's token
    // either.
    Http.Reply issued =
        http.send("POST", "/v1/tokens", null, "Authorization", Http.basic("alice", "alice-pw"));
    Http.Reply byBob =
        http.send(
            "DELETE",
            "/api/v3/token/" + issued.body().get("token").asText(),
            null,
            "X-AUTH-TOKEN",
            bob);
    assertEquals(403, byBob.status(), () -> byBob.body().toString());
    assertFalse(byBob.body().has("id"), "bob named a secret, not an id: " + byBob.body());
    assertEquals(
        200, http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice).status());
  }

  /** No id the caller could use to learn more, and nothing about whose it is. */
  private static void assertTellsNothing(Http.Reply refusal, String... ids) {
    String body = refusal.body().toString();
    for (String id : ids) {
      assertFalse(body.contains(id), "the refusal repeats " + id + ": " + body);
    }
    assertFalse(body.contains("alice"), "the refusal names the owner: " + body);
  }

  private static boolean vmsShowLease(String id) {
    for (JsonNode vm : http.get("/v1/vms?state=leased").body()) {
      if (id.equals(vm.path("lease_id").asText())) {
        return true;
      }
    }
    return false;
  }
}
