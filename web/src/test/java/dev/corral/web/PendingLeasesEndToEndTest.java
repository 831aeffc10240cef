package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Leases that wait for VMs, over real HTTP: vmpooler's on-demand requests and /v1/pending-leases.
 */
class PendingLeasesEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));

  /** Clones take a second or two, so a request for more than the ready stock is seen waiting. */
  private static CorralConfig config(Path dataDir, int maxVms) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim:
            type: simulated
            clone_seconds: [1, 1.5]
            boot_seconds: [0.5, 1]
            max_vms: %d
            max_concurrent_clones: 5
        pools:
          - name: debian-12-x86_64
            alias: [debian-12-64]
            template: debian-12-base
            size: 1
          - name: fedora-40-x86_64
            template: fedora-40-base
            size: 1
            max_ondemand_per_request: 3
        """
            .formatted(dataDir.toAbsolutePath(), maxVms);
    return ConfigLoader.fromYaml(yaml, "pending.yaml", Map.of());
  }

  private static void awaitStock(Http http) {
    http.await(
        "/v1/pools",
        FILL,
        pools -> {
          for (JsonNode pool : pools) {
            if (pool.get("ready").asInt() != 1) {
              return false;
            }
          }
          return true;
        });
  }

  @Test
  void ondemandRequest_isWaitingThenReady_underTheNamesAsked_andDeletedOnce() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("e2e"), 20), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitStock(http);

      Http.Reply created =
          http.post("/api/v3/ondemandvm/debian-12-64+debian-12-64+fedora-40-x86_64", "");
      assertEquals(201, created.status(), () -> "create: " + created.body());
      assertTrue(created.body().get("ok").asBoolean());
      String requestId = created.body().get("request_id").asText();

      Http.Reply waiting = http.get("/api/v3/ondemandvm/" + requestId);
      assertEquals(202, waiting.status(), () -> "while waiting: " + waiting.body());
      assertFalse(waiting.body().get("ready").asBoolean());
      JsonNode debian = waiting.body().get("debian-12-64");
      assertEquals(
          2,
          Integer.parseInt(debian.get("ready").asText())
              + Integer.parseInt(debian.get("pending").asText()),
          () -> "counts are strings that add up to what was asked: " + waiting.body());

      JsonNode done = http.awaitStatus("/api/v3/ondemandvm/" + requestId, FILL, 200).body();
      assertTrue(done.get("ok").asBoolean());
      assertTrue(done.get("ready").asBoolean(), done::toString);
      assertEquals(requestId, done.get("request_id").asText());
      assertEquals(2, done.get("debian-12-64").get("hostname").size(), done::toString);
      assertTrue(
          done.get("fedora-40-x86_64").get("hostname").isArray(),
          "hostname is an array even for one VM");
      assertEquals(1, done.get("fedora-40-x86_64").get("hostname").size());
      String host = done.get("debian-12-64").get("hostname").get(0).asText();
      assertEquals("leased", http.get("/v1/vms/" + host).body().get("state").asText());

      Http.Reply deleted = http.delete("/api/v3/ondemandvm/" + requestId);
      assertEquals(200, deleted.status());
      assertTrue(deleted.body().get("ok").asBoolean());
      Http.Reply again = http.delete("/api/v3/ondemandvm/" + requestId);
      assertEquals(200, again.status());
      assertTrue(
          again.body().get("message").asText().contains("already been deleted"),
          again.body()::toString);
      Http.Reply after = http.get("/api/v3/ondemandvm/" + requestId);
      assertEquals(200, after.status());
      assertEquals("The request has been deleted", after.body().get("message").asText());
      http.await("/v1/vms/" + host, FILL, vm -> vm.get("state").asText().equals("destroyed"));
    }
  }

  @Test
  void ondemandRefusals_useVmpoolersCodesAndShapes_andRequestNothing() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("e2e"), 20), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitStock(http);

      Http.Reply first =
          http.post("/api/v3/ondemandvm", "{\"debian-12-64\": \"1\", \"request_id\": \"job-42\"}");
      assertEquals(201, first.status(), () -> "create: " + first.body());
      assertEquals("job-42", first.body().get("request_id").asText());
      Http.Reply duplicate =
          http.post(
              "/api/v3/ondemandvm", "{\"fedora-40-x86_64\": \"1\", \"request_id\": \"job-42\"}");
      assertEquals(409, duplicate.status(), () -> "duplicate: " + duplicate.body());
      assertFalse(duplicate.body().get("ok").asBoolean());

      Http.Reply tooMany = http.post("/api/v3/ondemandvm", "{\"fedora-40-x86_64\": \"4\"}");
      assertEquals(403, tooMany.status());
      assertEquals(
          "requested amount of instances exceeds the maximum 3",
          tooMany.body().get("message").asText());

      Http.Reply unknown = http.post("/api/v3/ondemandvm/nope+debian-12-64", "");
      assertEquals(404, unknown.status());
      assertEquals("nope", unknown.body().get("bad_templates").get(0).asText());
      assertEquals(1, unknown.body().get("bad_templates").size());

      Http.Reply malformed = http.post("/api/v3/ondemandvm", "{\"debian-12-64\": ");
      assertEquals(400, malformed.status());
      assertEquals("JSON payload could not be parsed", malformed.body().get("message").asText());

      Http.Reply missing = http.get("/api/v3/ondemandvm/no-such-request");
      assertEquals(404, missing.status());
      assertEquals(
          "no request found for request_id 'no-such-request'",
          missing.body().get("message").asText());
      assertEquals(404, http.delete("/api/v3/ondemandvm/no-such-request").status());

      // Only job-42 was requested: fedora's stock is untouched by the refused requests.
      http.awaitStatus("/api/v3/ondemandvm/job-42", FILL, 200);
      http.await(
          "/v1/pools",
          FILL,
          pools -> {
            for (JsonNode pool : pools) {
              if (pool.get("name").asText().equals("fedora-40-x86_64")) {
                return pool.get("leased").asInt() == 0;
              }
            }
            return false;
          });
    }
  }

  @Test
  void pendingLease_explainsWhatIsShort_andIsFilledAfterARestart() {
    Path dataDir = TestDirs.fresh("e2e");
    String id;
    try (CorralApp app = CorralApp.start(config(dataDir, 2), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitStock(http);

      Http.Reply created =
          http.post(
              "/v1/pending-leases",
              "{\"vms\": {\"debian-12-64\": 3}, \"lifetime\": \"1h\", \"wait\": \"30m\"}");
      assertEquals(202, created.status(), () -> "create: " + created.body());
      assertEquals("pending", created.body().get("state").asText());
      id = created.body().get("id").asText();

      // The provider holds 2 VMs (one per pool): the lease gets debian's one and waits for room.
      JsonNode waiting =
          http.await(
                  "/v1/pending-leases/" + id,
                  FILL,
                  lease ->
                      lease.get("vms").size() == 1
                          && lease.get("shortage").get(0).get("providers_at_capacity").asBoolean())
              .body();
      assertEquals("pending", waiting.get("state").asText());
      assertTrue(
          waiting.get("message").asText().contains("pool debian-12-x86_64 short by 2 of 3"),
          waiting::toString);
      assertTrue(waiting.get("message").asText().contains("at capacity"), waiting::toString);
      assertEquals("debian-12-64", waiting.get("requested").get(0).get("name").asText());
    }

    // The embedded Temporal server forgot the lease's workflow; start-up recovery resumes it.
    try (CorralApp again = CorralApp.start(config(dataDir, 10), FAST)) {
      Http http = new Http(again.baseUrl());
      JsonNode filled =
          http.await(
                  "/v1/pending-leases/" + id,
                  FILL,
                  lease -> lease.get("state").asText().equals("active"))
              .body();
      assertEquals(3, filled.get("vms").size());
      assertFalse(filled.get("expires_at").isNull());
      assertEquals(
          "active",
          http.get("/v1/leases/" + id).body().get("state").asText(),
          "an ordinary lease from now on");

      Http.Reply released = http.delete("/v1/pending-leases/" + id);
      assertEquals(200, released.status());
      assertEquals("released", released.body().get("state").asText());
    }
  }
}
