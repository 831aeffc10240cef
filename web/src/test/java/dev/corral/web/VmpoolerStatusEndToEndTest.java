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
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vmpooler's status, poolstat, totalrunning and summary over real HTTP against the real app. */
class VmpoolerStatusEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));

  /** Two healthy pools and one whose provider never manages a clone, so it stays empty. */
  private static CorralConfig config(Path dataDir) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim:
            type: simulated
            clone_seconds: [0.1, 0.3]
            boot_seconds: [0.1, 0.3]
            max_vms: 20
            max_concurrent_clones: 5
          broken:
            type: simulated
            clone_seconds: [0.1, 0.1]
            fail_percent: {clone: 100}
        pools:
          - name: debian-12-x86_64
            alias: [debian-12-64]
            template: debian-12-base
            size: 3
          - name: fedora-40-x86_64
            template: fedora-40-base
            size: 2
          - name: broken-pool
            template: broken-base
            providers: [broken]
            size: 1
            max_tries: 1
        """
            .formatted(dataDir.toAbsolutePath());
    return ConfigLoader.fromYaml(yaml, "vmpooler-status.yaml", Map.of());
  }

  @Test
  void status_isExactForEveryPool_atOnce_andNamesTheEmptyPool() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("vmp-status")), FAST)) {
      Http http = new Http(app.baseUrl());
      JsonNode full =
          http.await(
                  "/api/v3/status",
                  FILL,
                  s ->
                      pool(s, "debian-12-x86_64").get("ready").asInt() == 3
                          && pool(s, "fedora-40-x86_64").get("ready").asInt() == 2)
              .body();

      assertEquals(2, pool(full, "fedora-40-x86_64").get("max").asInt());
      assertEquals("debian-12-64", pool(full, "debian-12-x86_64").get("alias").get(0).asText());
      assertEquals(
          5,
          full.get("queue").get("ready").asInt(),
          "the queue adds up the ready VMs of every pool");
      assertEquals(5, full.get("capacity").get("current").asInt());
      assertEquals(6, full.get("capacity").get("total").asInt());
      assertTrue(
          full.get("boot").get("count").get("total").asInt() >= 5,
          "today's boots are counted: " + full.get("boot"));
      assertTrue(
          full.get("clone").get("duration").get("average").asDouble() > 0,
          "clones take time: " + full.get("clone"));
      assertFalse(full.get("status").get("ok").asBoolean());
      assertEquals("Found 1 empty pools.", full.get("status").get("message").asText());
      assertEquals("broken-pool", full.get("status").get("empty").get(0).asText());
      assertTrue(full.get("status").get("uptime").asDouble() > 0);

      Http.Reply lease =
          http.post("/v1/leases", "{\"vms\": {\"debian-12-64\": 1, \"fedora-40-x86_64\": 2}}");
      assertEquals(201, lease.status(), () -> "lease: " + lease.body());
      // Right after the lease, not 30 s later: the status is computed from the inventory on every
      // request.
      JsonNode after = http.get("/api/v3/status").body();
      assertEquals(1, pool(after, "debian-12-x86_64").get("running").asInt());
      assertEquals(2, pool(after, "fedora-40-x86_64").get("running").asInt());
      assertEquals(3, after.get("queue").get("running").asInt());
      assertEquals(3, http.get("/api/v3/totalrunning").body().get("running").asInt());

      JsonNode onlyPools = http.get("/api/v3/status?view=pools").body();
      assertTrue(onlyPools.has("pools") && onlyPools.has("status"));
      assertFalse(onlyPools.has("queue") || onlyPools.has("capacity") || onlyPools.has("boot"));

      JsonNode poolstat = http.get("/api/v3/poolstat?pool=debian-12-64,nope").body().get("pools");
      assertEquals(
          1,
          poolstat.size(),
          "an alias finds its pool, an unknown name finds nothing: " + poolstat);
      assertEquals(3, poolstat.get("debian-12-x86_64").get("max").asInt());
      assertEquals(0, http.get("/api/v3/poolstat?pool=nope").body().get("pools").size());

      JsonNode names = http.get("/api/v3/vm").body();
      assertEquals("[\"broken-pool\",\"debian-12-x86_64\",\"fedora-40-x86_64\"]", names.toString());
    }
  }

  @Test
  void summary_countsTodaysClonesAndBoots_perPoolAndDay_andRefusesBadDates() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("vmp-summary")), FAST)) {
      Http http = new Http(app.baseUrl());
      String today = LocalDate.now(ZoneOffset.UTC).toString();
      JsonNode summary =
          http.await(
                  "/api/v3/summary",
                  FILL,
                  s -> s.get("boot").get("count").get("total").asInt() >= 5)
              .body();
      assertTrue(
          summary.get("boot").get("count").get("pool").get("debian-12-x86_64").get("total").asInt()
              >= 3);
      assertTrue(summary.get("clone").get("duration").get("pool").has("fedora-40-x86_64"));
      for (String key : new String[] {"average", "min", "max", "total"}) {
        assertTrue(summary.get("boot").get("duration").has(key), key);
      }
      assertTrue(summary.get("tag").isObject());
      assertEquals(1, summary.get("daily").size());
      assertEquals(today, summary.get("daily").get(0).get("date").asText());

      JsonNode week =
          http.get("/api/v3/summary?from=" + LocalDate.parse(today).minusDays(6) + "&to=" + today)
              .body();
      assertEquals(7, week.get("daily").size());
      assertEquals(0, week.get("daily").get(0).get("boot").get("count").get("total").asInt());

      JsonNode boot = http.get("/api/v3/summary/boot").body();
      assertTrue(boot.has("boot") && boot.has("daily") && !boot.has("clone"));
      JsonNode count = http.get("/api/v3/summary/clone/count").body();
      assertTrue(count.get("clone").get("count").get("total").asInt() >= 5, count.toString());

      for (String bad :
          new String[] {
            "from=2026-13-01", "from=2026-02-30", "to=yesterday", "from=2026-11-02&to=2026-11-01"
          }) {
        Http.Reply reply = http.get("/api/v3/summary?" + bad);
        assertEquals(400, reply.status(), bad);
        assertFalse(reply.body().get("ok").asBoolean(), bad);
        assertTrue(reply.body().get("error").asText().length() > 0, bad);
      }
      Http.Reply unknownPart = http.get("/api/v3/summary/nope");
      assertEquals(404, unknownPart.status());
      assertFalse(unknownPart.body().get("ok").asBoolean());
    }
  }

  @Test
  void unknownRoutesAndMalformedJson_underApiV3_getVmpoolersJsonError() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("vmp-errors")), FAST)) {
      Http http = new Http(app.baseUrl());
      Http.Reply unknown = http.get("/api/v3/no/such/thing");
      assertEquals(404, unknown.status());
      assertFalse(unknown.body().get("ok").asBoolean());

      Http.Reply malformed = http.post("/api/v3/config/poolsize", "{\"debian-12-x86_64\": ");
      assertEquals(400, malformed.status());
      assertFalse(malformed.body().get("ok").asBoolean());
      assertTrue(
          malformed.body().get("error").asText().contains("JSON"), malformed.body().toString());

      assertEquals(400, http.post("/api/v3/poolreset", "[1, 2]").status());
      // Outside /api/v3 errors keep Corral's own shape.
      assertEquals("not_found", http.get("/v1/no/such/thing").body().get("code").asText());

      JsonNode config = http.get("/api/v3/config").body();
      assertTrue(config.get("status").get("ok").asBoolean());
      assertEquals(3, config.get("pool_configuration").size());
      assertFalse(config.toString().toLowerCase().contains("password"));
    }
  }

  private static JsonNode pool(JsonNode status, String name) {
    return status.get("pools").get(name);
  }
}
