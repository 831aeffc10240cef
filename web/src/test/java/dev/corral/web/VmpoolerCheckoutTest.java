package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vmpooler API v3 checkout and vm/<host> routes, and the native lease changes, over real HTTP (auth
 * off).
 */
class VmpoolerCheckoutTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim: {type: simulated, clone_seconds: [0.05, 0.1], boot_seconds: [0.05, 0.1], max_vms: 40,
                max_concurrent_clones: 10}
        pools:
          - {name: debian-12-x86_64, alias: [debian-12-64], template: debian-12-base, size: 4, max_lifetime: 168h}
          - {name: centos-9-x86_64, template: centos-9-base, size: 3, lifetime: 12h, max_lifetime: 24h}
        """
            .formatted(TestDirs.fresh("v3"));
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "v3.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static void awaitFull() {
    http.await(
        "/v1/pools",
        FILL,
        pools -> ready(pools, "debian-12-x86_64") == 4 && ready(pools, "centos-9-x86_64") == 3);
  }

  private static int ready(JsonNode pools, String name) {
    for (JsonNode p : pools) {
      if (p.get("name").asText().equals(name)) {
        return p.get("ready").asInt();
      }
    }
    throw new AssertionError("no pool " + name + " in " + pools);
  }

  @Test
  void checkoutByUrl_keysByTheNameAsked_stringForOneVm_arrayForMore() {
    awaitFull();
    Http.Reply reply =
        http.send("POST", "/api/v3/vm/debian-12-64+centos-9-x86_64+centos-9-x86_64", null);

    assertEquals(200, reply.status(), () -> reply.body().toString());
    assertTrue(reply.body().get("ok").asBoolean());
    assertTrue(
        reply.body().get("debian-12-64").get("hostname").isTextual(), reply.body().toString());
    JsonNode two = reply.body().get("centos-9-x86_64").get("hostname");
    assertTrue(two.isArray() && two.size() == 2, reply.body().toString());
    assertFalse(
        reply.body().has("debian-12-x86_64"), "the alias asked for is the key, not the pool name");
    String host = reply.body().get("debian-12-64").get("hostname").asText();

    JsonNode vm = http.get("/api/v3/vm/" + host).body();
    JsonNode data = vm.get(host);
    assertEquals("running", data.get("state").asText());
    assertEquals("debian-12-x86_64", data.get("template").asText());
    assertEquals(2, data.get("lifetime").asInt(), "the pool's default lifetime, in hours");
    assertTrue(data.get("remaining").asDouble() > 1.9);
    assertEquals(host, data.get("fqdn").asText());

    // Each VM of a checkout is released on its own.
    assertEquals(200, http.delete("/api/v3/vm/" + two.get(0).asText()).status());
    assertEquals(
        "running",
        http.get("/api/v3/vm/" + two.get(1).asText())
            .body()
            .get(two.get(1).asText())
            .get("state")
            .asText());
    assertEquals(
        404, http.delete("/api/v3/vm/" + two.get(0).asText()).status(), "a second delete is a 404");
  }

  @Test
  void checkoutThatOnePoolCannotSupply_is503_andTakesNothingFromAnyPool() {
    awaitFull();
    Http.Reply reply =
        http.send("POST", "/api/v3/vm", "{\"debian-12-x86_64\": \"1\", \"centos-9-x86_64\": 9}");

    assertEquals(503, reply.status(), () -> reply.body().toString());
    assertFalse(reply.body().get("ok").asBoolean());
    JsonNode pools = http.get("/v1/pools").body();
    assertEquals(
        4,
        ready(pools, "debian-12-x86_64"),
        "the debian VM taken for this request was rolled back");
    assertEquals(3, ready(pools, "centos-9-x86_64"));
    assertTrue(
        reply.body().get("error").asText().contains("provisioning"), reply.body().toString());
  }

  @Test
  void unknownPoolOrBadCount_is4xxJson_andNothingIsLeased() {
    awaitFull();
    assertEquals(404, http.send("POST", "/api/v3/vm/debian-12-64+nope", null).status());
    assertEquals(404, http.send("POST", "/api/v3/vm/%C3%A9t%C3%A9", null).status());
    for (String body :
        new String[] {
          "{\"debian-12-x86_64\": 0}",
          "{\"debian-12-x86_64\": \"101\"}",
          "{\"debian-12-x86_64\": \"two\"}",
          "{\"debian-12-x86_64\": -1}",
          "[1]",
          "{\"debian-12-x86_64\": 1.5}"
        }) {
      Http.Reply reply = http.send("POST", "/api/v3/vm", body);
      assertEquals(400, reply.status(), body + " -> " + reply.body());
      assertFalse(reply.body().get("ok").asBoolean(), body);
    }
    assertEquals(400, http.send("POST", "/api/v3/vm", "{not json").status());
    assertEquals(4, ready(http.get("/v1/pools").body(), "debian-12-x86_64"));
  }

  @Test
  void putLifetimeAndTags_showInGet_andLimitsAre400WithTheReason() {
    awaitFull();
    String host =
        http.send("POST", "/api/v3/vm/centos-9-x86_64", null)
            .body()
            .get("centos-9-x86_64")
            .get("hostname")
            .asText();

    assertEquals(
        200,
        http.send(
                "PUT",
                "/api/v3/vm/" + host,
                "{\"lifetime\": \"24\", \"tags\": {\"project\": \"demo\", \"url\": \"https://ci/job?a=1,b=2\"}}")
            .status());
    JsonNode data = http.get("/api/v3/vm/" + host).body().get(host);
    assertEquals(24, data.get("lifetime").asInt(), "lifetime equal to the maximum is allowed");
    assertEquals("https://ci/job?a=1,b=2", data.get("tags").get("url").asText());

    Http.Reply over = http.send("PUT", "/api/v3/vm/" + host, "{\"lifetime\": 25}");
    assertEquals(400, over.status());
    assertTrue(over.body().get("failure").get(0).asText().contains("1d"), over.body().toString());
    assertEquals(400, http.send("PUT", "/api/v3/vm/" + host, "{\"disk\": 10}").status());
    assertEquals(400, http.send("PUT", "/api/v3/vm/" + host, "{\"tags\": \"x\"}").status());
    assertEquals(
        400, http.send("PUT", "/api/v3/vm/" + host, "{\"tags\": {\"bad key!\": \"v\"}}").status());
    assertEquals(400, http.send("PUT", "/api/v3/vm/" + host, "{\"lifetime\": \"0\"}").status());
    assertEquals(
        24,
        http.get("/api/v3/vm/" + host).body().get(host).get("lifetime").asInt(),
        "nothing changed");
  }

  @Test
  void deletingAVmThatIsNotLeased_is404_andHostTricksAre4xx() {
    JsonNode vms =
        http.await("/v1/vms?pool=debian-12-x86_64&state=ready", FILL, v -> v.size() > 0).body();
    String ready = vms.get(0).get("name").asText();

    assertEquals(
        404, http.delete("/api/v3/vm/" + ready).status(), "vmpooler returns 200 here (bug §12.2)");
    assertEquals("ready", http.get("/v1/vms/" + ready).body().get("state").asText());
    for (String host : new String[] {"..%2Fetc%2Fpasswd", "a%20b", "x".repeat(300), "%00"}) {
      int status = http.send("DELETE", "/api/v3/vm/" + host, null).status();
      assertTrue(status == 400 || status == 404, host + " -> " + status);
    }
  }

  @Test
  void nativeLease_patchLifetimeAndTags_overTheMaximumIs400NamingIt() {
    awaitFull();
    JsonNode lease =
        http.post("/v1/leases", "{\"vms\": {\"centos-9-x86_64\": 1}, \"tags\": {\"team\": \"qa\"}}")
            .body();
    String id = lease.get("id").asText();
    assertEquals("qa", lease.get("tags").get("team").asText());
    Instant created = Instant.parse(lease.get("created_at").asText());

    Http.Reply patched =
        http.send(
            "PATCH", "/v1/leases/" + id, "{\"lifetime\": \"20h\", \"tags\": {\"ticket\": \"42\"}}");
    assertEquals(200, patched.status(), () -> patched.body().toString());
    assertEquals(
        created.plus(Duration.ofHours(20)),
        Instant.parse(patched.body().get("expires_at").asText()));
    assertEquals("qa", patched.body().get("tags").get("team").asText(), "tags are merged");
    assertEquals("42", patched.body().get("tags").get("ticket").asText());

    Http.Reply over = http.send("PATCH", "/v1/leases/" + id, "{\"lifetime\": \"25h\"}");
    assertEquals(400, over.status());
    assertEquals("1d", over.body().get("detail").get("maximum").asText(), over.body().toString());
    assertEquals(400, http.send("PATCH", "/v1/leases/" + id, "{\"owner\": \"me\"}").status());

    JsonNode mine = http.get("/v1/leases?state=active").body();
    assertTrue(mine.isArray() && mine.size() >= 1);
    assertEquals(200, http.delete("/v1/leases/" + id).status());
    Http.Reply ended = http.send("PATCH", "/v1/leases/" + id, "{\"lifetime\": \"2h\"}");
    assertEquals(409, ended.status());
    assertNotEquals(null, ended.body());
  }
}
