package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * vmfloaty's whole session against /api/v3 with auth on, in the order a user runs it (vmpooler.md
 * §13): token get, list, get, list --active, query, modify, snapshot, revert, disk, status,
 * summary, get --ondemand, delete, token status and delete; plus poolstat, totalrunning, config and
 * full_config. Each step checks the reply shape and code vmpooler gives (§3), and the ownership
 * rules vmpooler lacks (§12).
 */
class VmpoolerConformanceTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: jdoe, password: jdoe-secret-pw}
            - {name: alice, password: alice-secret-pw}
            - {name: root, password: root-secret-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 30, max_concurrent_clones: 10}
        pools:
          - {name: debian-12-x86_64, alias: [debian-12-64], template: debian-12-base, size: 3, max_lifetime: 168h}
          - {name: centos-9-x86_64, template: centos-9-base, size: 2, max_lifetime: 48h}
        """
            .formatted(TestDirs.fresh("e2e-conformance"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "conformance.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void vmfloatysSession_getsVmpoolersShapesAndCodes_atEveryStep() {
    awaitFull();
    // floaty token get
    Http.Reply tokenReply =
        http.send(
            "POST", "/api/v3/token", null, "Authorization", Http.basic("jdoe", "jdoe-secret-pw"));
    assertEquals(200, tokenReply.status());
    assertTrue(tokenReply.body().get("ok").asBoolean());
    String token = tokenReply.body().get("token").asText();
    String other =
        http.send(
                "POST",
                "/api/v3/token",
                null,
                "Authorization",
                Http.basic("alice", "alice-secret-pw"))
            .body()
            .get("token")
            .asText();

    // floaty list
    Http.Reply list = http.get("/api/v3/vm");
    assertEquals(200, list.status());
    assertEquals(
        List.of("centos-9-x86_64", "debian-12-x86_64"),
        sorted(texts(list.body())),
        "pool names, no aliases");

    // floaty get debian-12-64 centos-9-x86_64=2
    Http.Reply got =
        http.send(
            "POST",
            "/api/v3/vm/debian-12-64+centos-9-x86_64+centos-9-x86_64",
            null,
            "X-AUTH-TOKEN",
            token);
    assertEquals(200, got.status(), () -> got.body().toString());
    assertTrue(got.body().get("ok").asBoolean());
    String debian = got.body().get("debian-12-64").get("hostname").asText();
    List<String> centos = texts(got.body().get("centos-9-x86_64").get("hostname"));
    assertEquals(2, centos.size());

    // all or nothing: one short pool is a 503 and the other pool keeps its VMs; unknown names are
    // 404
    int readyBefore = poolstatReady("debian-12-x86_64");
    Http.Reply shortReply =
        http.send(
            "POST",
            "/api/v3/vm/debian-12-x86_64+centos-9-x86_64+centos-9-x86_64+centos-9-x86_64",
            null,
            "X-AUTH-TOKEN",
            token);
    assertEquals(503, shortReply.status());
    assertFalse(shortReply.body().get("ok").asBoolean());
    assertEquals(
        readyBefore, poolstatReady("debian-12-x86_64"), "the rolled-back checkout kept nothing");
    Http.Reply unknown = http.send("POST", "/api/v3/vm/nope", null, "X-AUTH-TOKEN", token);
    assertEquals(404, unknown.status());
    assertFalse(unknown.body().get("ok").asBoolean());

    // floaty list --active: GET token/<t>, then GET vm/<h> for each
    JsonNode tokenStatus = http.get("/api/v3/token/" + token).body();
    assertTrue(tokenStatus.get("ok").asBoolean());
    List<String> running = texts(tokenStatus.get(token).get("vms").get("running"));
    assertEquals(sorted(List.of(debian, centos.get(0), centos.get(1))), sorted(running));
    assertEquals("jdoe", tokenStatus.get(token).get("user").asText());

    // floaty query
    JsonNode vm = http.get("/api/v3/vm/" + debian).body();
    assertTrue(vm.get("ok").asBoolean());
    JsonNode data = vm.get(debian);
    for (String key :
        List.of(
            "template",
            "lifetime",
            "running",
            "remaining",
            "start_time",
            "end_time",
            "state",
            "tags",
            "snapshots",
            "disk",
            "ip",
            "fqdn")) {
      assertTrue(data.has(key), "GET vm/<host> has " + key + ": " + data);
    }
    assertEquals("running", data.get("state").asText());
    assertEquals("debian-12-x86_64", data.get("template").asText());

    // floaty modify: lifetime and tags need the owner's token
    assertEquals(401, http.put("/api/v3/vm/" + debian, "{\"lifetime\": 12}").status());
    assertEquals(
        403,
        http.send("PUT", "/api/v3/vm/" + debian, "{\"lifetime\": 12}", "X-AUTH-TOKEN", other)
            .status());
    Http.Reply modified =
        http.send(
            "PUT",
            "/api/v3/vm/" + debian,
            "{\"lifetime\": 12, \"tags\": {\"project\": \"demo\"}}",
            "X-AUTH-TOKEN",
            token);
    assertEquals(200, modified.status(), () -> modified.body().toString());
    assertTrue(modified.body().get("ok").asBoolean());
    JsonNode after = http.get("/api/v3/vm/" + debian).body().get(debian);
    assertEquals(12, after.get("lifetime").asInt());
    assertEquals("demo", after.get("tags").get("project").asText());
    Http.Reply over =
        http.send("PUT", "/api/v3/vm/" + debian, "{\"lifetime\": 500}", "X-AUTH-TOKEN", token);
    assertEquals(400, over.status());
    assertTrue(over.body().get("failure").isArray(), over.body().toString());

    // floaty snapshot, floaty revert, and vmpooler's disk: 202 at once, visible in GET vm/<host>
    // once done
    assertEquals(
        403,
        http.send("POST", "/api/v3/vm/" + debian + "/snapshot", null, "X-AUTH-TOKEN", other)
            .status());
    Http.Reply snapshot =
        http.send("POST", "/api/v3/vm/" + debian + "/snapshot", null, "X-AUTH-TOKEN", token);
    assertEquals(202, snapshot.status(), () -> snapshot.body().toString());
    assertTrue(snapshot.body().get("ok").asBoolean());
    String snapshotId = snapshot.body().get(debian).get("snapshot").asText();
    assertTrue(snapshotId.matches("[a-z0-9]{32}"), snapshotId);
    http.await(
        "/api/v3/vm/" + debian,
        FILL,
        v -> texts(v.get(debian).get("snapshots")).contains(snapshotId));
    Http.Reply revert =
        http.send(
            "POST",
            "/api/v3/vm/" + debian + "/snapshot/" + snapshotId,
            null,
            "X-AUTH-TOKEN",
            token);
    assertEquals(202, revert.status(), () -> revert.body().toString());
    assertTrue(revert.body().get("ok").asBoolean());
    assertEquals(
        404,
        http.send(
                "POST",
                "/api/v3/vm/" + debian + "/snapshot/" + "0".repeat(32),
                null,
                "X-AUTH-TOKEN",
                token)
            .status());
    Http.Reply disk =
        http.send("POST", "/api/v3/vm/" + debian + "/disk/8", null, "X-AUTH-TOKEN", token);
    assertEquals(202, disk.status(), () -> disk.body().toString());
    assertEquals("+8gb", disk.body().get(debian).get("disk").asText());
    http.await(
        "/api/v3/vm/" + debian, FILL, v -> texts(v.get(debian).get("disk")).contains("+8gb"));

    // floaty status
    JsonNode status = http.get("/api/v3/status").body();
    assertTrue(status.get("status").has("message"));
    JsonNode debianStatus = status.get("pools").get("debian-12-x86_64");
    for (String key : List.of("ready", "running", "pending", "max", "alias")) {
      assertTrue(debianStatus.has(key), "status.pools.<p> has " + key + ": " + debianStatus);
    }
    assertEquals(3, debianStatus.get("max").asInt());
    assertEquals(List.of("debian-12-64"), texts(debianStatus.get("alias")));
    assertTrue(debianStatus.get("running").asInt() >= 1);
    assertEquals(3, http.get("/api/v3/totalrunning").body().get("running").asInt());
    JsonNode poolstat = http.get("/api/v3/poolstat?pool=debian-12-64").body();
    assertTrue(
        poolstat.get("pools").has("debian-12-x86_64"), "poolstat matches aliases: " + poolstat);

    // floaty summary
    JsonNode summary = http.get("/api/v3/summary").body();
    for (String key : List.of("daily", "boot", "clone", "tag")) {
      assertTrue(summary.has(key), "summary has " + key);
    }

    // config and full_config: pools as they run, and no secret anywhere
    JsonNode config = http.get("/api/v3/config").body();
    assertTrue(config.get("status").get("ok").asBoolean());
    assertEquals(2, config.get("pool_configuration").size());
    assertEquals(
        401,
        http.get("/api/v3/full_config").status(),
        "full_config needs an admin when auth is on");
    assertEquals(
        403, http.send("GET", "/api/v3/full_config", null, "X-AUTH-TOKEN", token).status());
    String rootToken =
        http.send(
                "POST",
                "/api/v3/token",
                null,
                "Authorization",
                Http.basic("root", "root-secret-pw"))
            .body()
            .get("token")
            .asText();
    Http.Reply full = http.send("GET", "/api/v3/full_config", null, "X-AUTH-TOKEN", rootToken);
    assertEquals(200, full.status());
    assertEquals(2, full.body().get("full_config").get("pools").size());
    assertFalse(
        full.body().toString().contains("secret-pw"),
        "full_config never shows a password: " + full.body());

    // floaty get --ondemand: 201, poll 202 until 200, then delete
    Http.Reply ondemand =
        http.send(
            "POST",
            "/api/v3/ondemandvm/centos-9-x86_64+centos-9-x86_64",
            null,
            "X-AUTH-TOKEN",
            token);
    assertEquals(201, ondemand.status(), () -> ondemand.body().toString());
    String requestId = ondemand.body().get("request_id").asText();
    JsonNode done =
        http.awaitStatus("/api/v3/ondemandvm/" + requestId, FILL, 200, "X-AUTH-TOKEN", token)
            .body();
    assertTrue(done.get("ready").asBoolean(), done::toString);
    assertEquals(2, done.get("centos-9-x86_64").get("hostname").size());
    assertEquals(
        404,
        http.send("DELETE", "/api/v3/ondemandvm/" + requestId, null, "X-AUTH-TOKEN", other)
            .status(),
        "request ids are each user's own: another user's is not found");
    assertEquals(
        200,
        http.send("DELETE", "/api/v3/ondemandvm/" + requestId, null, "X-AUTH-TOKEN", token)
            .status());

    // floaty delete: owner only; a VM not leased (any more) is a 404
    assertEquals(401, http.delete("/api/v3/vm/" + debian).status());
    assertEquals(
        403, http.send("DELETE", "/api/v3/vm/" + debian, null, "X-AUTH-TOKEN", other).status());
    for (String host : List.of(debian, centos.get(0), centos.get(1))) {
      Http.Reply deleted = http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", token);
      assertEquals(200, deleted.status());
      assertTrue(deleted.body().get("ok").asBoolean());
    }
    Http.Reply again = http.send("DELETE", "/api/v3/vm/" + debian, null, "X-AUTH-TOKEN", token);
    assertEquals(404, again.status());
    assertFalse(again.body().get("ok").asBoolean());
    assertEquals(0, http.get("/api/v3/totalrunning").body().get("running").asInt());

    // floaty token delete: Basic of the owner (alice may not), then the token is gone
    assertEquals(
        403,
        http.send(
                "DELETE",
                "/api/v3/token/" + token,
                null,
                "Authorization",
                Http.basic("alice", "alice-secret-pw"))
            .status());
    Http.Reply revoked =
        http.send(
            "DELETE",
            "/api/v3/token/" + token,
            null,
            "Authorization",
            Http.basic("jdoe", "jdoe-secret-pw"));
    assertEquals(200, revoked.status());
    assertTrue(revoked.body().get("ok").asBoolean());
    assertEquals(404, http.get("/api/v3/token/" + token).status());
    assertEquals(
        401, http.send("POST", "/api/v3/vm/debian-12-64", null, "X-AUTH-TOKEN", token).status());
  }

  private static void awaitFull() {
    http.await(
        "/api/v3/status",
        FILL,
        s ->
            s.get("pools").get("debian-12-x86_64").get("ready").asInt() == 3
                && s.get("pools").get("centos-9-x86_64").get("ready").asInt() == 2);
  }

  private static int poolstatReady(String pool) {
    return http.get("/api/v3/poolstat?pool=" + pool)
        .body()
        .get("pools")
        .get(pool)
        .get("ready")
        .asInt();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> sorted(List<String> values) {
    return values.stream().sorted().toList();
  }
}
