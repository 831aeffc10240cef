package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every write endpoint of both APIs, fed malformed JSON, wrong types, negative, zero and huge
 * counts, unknown fields, long and unicode names and path tricks: each answer is a 4xx with a JSON
 * object body, and afterwards nothing was leased, resized, retemplated or waited for.
 */
class BadInputEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final String LONG = "x".repeat(10_000);
  static CorralApp app;
  static Http http;
  static String alice;
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
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 20, max_concurrent_clones: 10}
        pools:
          - {name: deb, alias: [debian], template: t, size: 3, max_lifetime: 24h}
          - {name: cen, template: t, size: 2, max_lifetime: 24h, max_ondemand_per_request: 3}
        """
            .formatted(TestDirs.fresh("e2e-bad-input"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "bad-input.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    root = http.token("root", "root-pw");
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private record Bad(String method, String path, String body, String token) {
    @Override
    public String toString() {
      String shown =
          body == null ? "" : " " + (body.length() > 80 ? body.substring(0, 80) + "…" : body);
      return method + " " + (path.length() > 80 ? path.substring(0, 80) + "…" : path) + shown;
    }
  }

  @Test
  void everyBadRequest_gets4xxJson_andChangesNothing() {
    awaitFull();
    // One lease of alice's to aim the per-lease and per-VM requests at; it must come out unchanged.
    JsonNode lease =
        http.send(
                "POST",
                "/v1/leases",
                "{\"vms\": {\"deb\": 1}, \"lifetime\": \"2h\"}",
                "X-AUTH-TOKEN",
                alice)
            .body();
    String leaseId = lease.get("id").asText();
    String host = lease.get("vms").get(0).get("name").asText();
    String expiresBefore = lease.get("expires_at").asText();

    List<Bad> requests = new ArrayList<>();
    for (String body :
        List.of(
            "{",
            "[]",
            "\"deb\"",
            "null",
            "42",
            "{\"vms\": []}",
            "{\"vms\": \"deb\"}",
            "{\"vms\": {}}",
            "{\"vms\": {\"deb\": -1}}",
            "{\"vms\": {\"deb\": 0}}",
            "{\"vms\": {\"deb\": 1000000000000}}",
            "{\"vms\": {\"deb\": 2147483648}}",
            "{\"vms\": {\"deb\": 1.5}}",
            "{\"vms\": {\"deb\": true}}",
            "{\"vms\": {\"deb\": null}}",
            "{\"vms\": {\"deb\": 1}, \"colour\": \"red\"}",
            "{\"vms\": {\"" + LONG + "\": 1}}",
            "{\"vms\": {\"дебиан\": 1}}",
            "{\"vms\": {\"deb\\u0000\": 1}}",
            "{\"vms\": {\"../deb\": 1}}",
            "{\"vms\": {\"deb\": 1}, \"lifetime\": \"-1h\"}",
            "{\"vms\": {\"deb\": 1}, \"lifetime\": \"forever\"}",
            "{\"vms\": {\"deb\": 1}, \"lifetime\": \"99999999999999h\"}",
            "{\"vms\": {\"deb\": 1}, \"lifetime\": \"25h\"}",
            "{\"vms\": {\"deb\": 1}, \"wait\": \"-5s\"}",
            "{\"vms\": {\"deb\": 1}, \"wait\": \"100d\"}",
            "{\"vms\": {\"deb\": 1}, \"tags\": \"x\"}",
            "{\"vms\": {\"deb\": 1}, \"tags\": {\"k\": {\"nested\": 1}}}",
            "{\"vms\": {\"deb\": 1}, \"tags\": {\"" + LONG + "\": \"v\"}}")) {
      requests.add(new Bad("POST", "/v1/leases", body, alice));
    }
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"lifetime\": \"-2h\"}",
            "{\"lifetime\": \"48h\"}",
            "{\"lifetime\": true}",
            "{\"lifetime\": \"2h\", \"owner\": \"root\"}",
            "{\"tags\": [1]}",
            "{\"vms\": {\"deb\": 5}}")) {
      requests.add(new Bad("PATCH", "/v1/leases/" + leaseId, body, alice));
    }
    requests.add(new Bad("PATCH", "/v1/leases/" + leaseId, "{\"lifetime\": \"3h\"}", null));
    requests.add(new Bad("DELETE", "/v1/leases/" + leaseId + "%2F..%2F", null, alice));
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"deb\": -1}",
            "{\"deb\": 0}",
            "{\"deb\": \"1e3\"}",
            "{\"deb\": 101}",
            "{\"deb\": 99999999999}",
            "{\"deb\": {\"a\": 1}}",
            "{\"dé\": 1}",
            "{\"" + LONG + "\": 1}",
            "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":1}}}}}}",
            "{\"deb\": \"" + LONG + "\"}")) {
      requests.add(new Bad("POST", "/api/v3/vm", body, alice));
    }
    for (String names :
        List.of(
            "deb+..%2F..%2Fetc",
            "%F0%9F%90%84", LONG.substring(0, 4000), "+", "deb+nope", "deb%00")) {
      requests.add(new Bad("POST", "/api/v3/vm/" + names, null, alice));
    }
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"lifetime\": -1}",
            "{\"lifetime\": \"abc\"}",
            "{\"lifetime\": 1e30}",
            "{\"lifetime\": \"25\"}",
            "{\"tags\": []}",
            "{\"tags\": {\"ключ\": \"v\"}}",
            "{\"colour\": 1}",
            "{\"tags\": {\"k\": \"" + LONG + "\"}}")) {
      requests.add(new Bad("PUT", "/api/v3/vm/" + host, body, alice));
    }
    for (String size : List.of("0", "-1", "abc", "2049", "99999999999", "1.5", "%F0%9F%90%84")) {
      requests.add(new Bad("POST", "/api/v3/vm/" + host + "/disk/" + size, null, alice));
    }
    requests.add(
        new Bad(
            "POST", "/api/v3/vm/" + host + "/snapshot/" + LONG.substring(0, 3000), null, alice));
    requests.add(new Bad("POST", "/api/v3/vm/" + host + "/snapshot/..%2F..%2Fx", null, alice));
    requests.add(new Bad("POST", "/api/v3/vm/" + host + "/snapshot", null, root.substring(0, 5)));
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"size_gb\": 0}",
            "{\"size_gb\": \"8\"}",
            "{\"size_gb\": 1e12}",
            "{\"size_gb\": 8, \"colour\": 1}")) {
      requests.add(new Bad("POST", "/v1/vms/" + host + "/disks", body, alice));
    }
    requests.add(new Bad("POST", "/v1/vms/" + host + "/snapshots/nope/revert", null, alice));
    for (String path :
        List.of("..%2Fetc%2Fpasswd", "%E2%80%AE" + host, LONG.substring(0, 4000), host + "%00")) {
      requests.add(new Bad("GET", "/api/v3/vm/" + path, null, alice));
      requests.add(new Bad("DELETE", "/api/v3/vm/" + path, null, alice));
    }
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"deb\": -1}",
            "{\"deb\": 0}",
            "{\"cen\": 4}",
            "{\"nope\": 1}",
            "{\"deb\": 1, \"request_id\": \"\"}",
            "{\"deb\": 1, \"request_id\": \"" + LONG + "\"}",
            "{\"deb\": 1e9}")) {
      requests.add(new Bad("POST", "/api/v3/ondemandvm", body, alice));
    }
    for (String body :
        List.of(
            "{",
            "[]",
            "{\"deb\": -1}",
            "{\"deb\": \"x\"}",
            "{\"nope\": 1}",
            "{\"deb\": 1000000000000}",
            "{\"deb\": \"" + LONG + "\"}")) {
      requests.add(new Bad("POST", "/api/v3/config/poolsize", body, root));
    }
    requests.add(new Bad("POST", "/api/v3/config/poolsize", "{\"deb\": 5}", alice));
    for (String body :
        List.of(
            "{", "{\"deb\": \"\"}", "{\"deb\": \"/t\"}", "{\"nope\": \"a/b\"}", "{\"deb\": 5}")) {
      requests.add(new Bad("POST", "/api/v3/config/pooltemplate", body, root));
    }
    for (String body : List.of("{", "{\"nope\": \"1\"}", "[]")) {
      requests.add(new Bad("POST", "/api/v3/poolreset", body, root));
    }
    for (String body :
        List.of(
            "{",
            "{\"size\": -1}",
            "{\"size\": \"x\"}",
            "{}",
            "{\"size\": 100000000000}",
            "{\"size\": 2, \"colour\": 1}")) {
      requests.add(new Bad("PUT", "/v1/pools/deb/size", body, root));
    }
    requests.add(new Bad("PUT", "/v1/pools/deb/size", "{\"size\": 5}", alice));
    requests.add(
        new Bad("PUT", "/v1/pools/" + LONG.substring(0, 2000) + "/size", "{\"size\": 5}", root));
    for (String body : List.of("{", "{\"ttl\": \"-1d\"}", "{\"ttl\": \"forever\"}", "[]")) {
      requests.add(new Bad("POST", "/v1/tokens", body, null));
    }

    List<String> wrong = new ArrayList<>();
    for (Bad bad : requests) {
      List<String> headers = new ArrayList<>();
      if (bad.token() != null) {
        headers.add("X-AUTH-TOKEN");
        headers.add(bad.token());
      }
      if (bad.path().equals("/v1/tokens")) {
        headers.add("Authorization");
        headers.add(Http.basic("alice", "alice-pw"));
      }
      Http.Reply reply;
      try {
        reply = http.send(bad.method(), bad.path(), bad.body(), headers.toArray(String[]::new));
      } catch (RuntimeException e) {
        wrong.add(bad + " -> " + e);
        continue;
      }
      boolean jsonObject = reply.body() != null && reply.body().isObject();
      if (reply.status() < 400 || reply.status() >= 500 || !jsonObject) {
        wrong.add(bad + " -> " + reply.status() + " " + reply.body());
      }
    }
    assertTrue(
        wrong.isEmpty(),
        wrong.size()
            + " of "
            + requests.size()
            + " bad requests were not a 4xx JSON error:\n"
            + String.join("\n", wrong));

    JsonNode after = http.send("GET", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", alice).body();
    assertEquals("active", after.get("state").asText());
    assertEquals(expiresBefore, after.get("expires_at").asText(), "no bad PATCH moved the expiry");
    assertEquals(1, after.get("vms").size());
    JsonNode vm = http.get("/api/v3/vm/" + host).body().get(host);
    assertEquals(0, vm.get("tags").size(), "no bad PUT tagged the VM");
    assertEquals(0, vm.get("disk").size(), "no bad disk request queued a disk");
    assertEquals(0, vm.get("snapshots").size(), "no bad snapshot request took one");
    JsonNode pools = http.get("/v1/pools").body();
    assertEquals(3, Http.pool(pools, "deb").get("size").asInt(), "no bad write resized the pool");
    assertEquals(2, Http.pool(pools, "cen").get("size").asInt());
    assertEquals(
        1, Http.pool(pools, "deb").get("leased").asInt(), "only the one good lease holds a VM");
    assertEquals(0, Http.pool(pools, "cen").get("leased").asInt());
    for (String token : List.of(alice, root)) {
      for (JsonNode l : http.send("GET", "/v1/leases", null, "X-AUTH-TOKEN", token).body()) {
        assertTrue(
            l.get("id").asText().equals(leaseId) || !l.get("state").asText().equals("pending"),
            "a bad request left a waiting lease: " + l);
      }
    }
    assertEquals(
        200, http.send("DELETE", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", alice).status());
  }

  private static void awaitFull() {
    http.await(
        "/v1/pools",
        FILL,
        pools ->
            Http.pool(pools, "deb").get("ready").asInt() == 3
                && Http.pool(pools, "cen").get("ready").asInt() == 2);
  }
}
