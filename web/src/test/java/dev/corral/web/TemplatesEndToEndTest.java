package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Template groups end to end: the tracker finds a build in a tracker document, the preparation
 * chain makes a prepared template, a pool selecting the group's latest prepared template fills from
 * it, and a newer build replaces the pool's VMs without the pool ever running out of ready VMs.
 */
class TemplatesEndToEndTest {
  private static final Duration LIMIT = Duration.ofSeconds(90);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));

  private static CorralConfig config(Path dataDir, Path builds) {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        temporal: {address: embedded, namespace: default, ui_url: "http://127.0.0.1:8233"}
        template_groups:
          debian-12:
            obsolete_days: 30
            keep_prepared: 1
            configure: {motd: "prepared by corral"}
        tracker:
          interval: 1h
          sources:
            - file: %s
        providers:
          sim:
            type: simulated
            clone_seconds: 0.1
            boot_seconds: 0.1
            step_seconds: 0.05
            max_vms: 20
            max_concurrent_clones: 5
            max_concurrent_builds: 1
        pools:
          - name: debian-12-prepared
            template: {group: debian-12, version: latest, prepared: true}
            providers: [sim]
            size: 3
        """
            .formatted(dataDir.toAbsolutePath(), builds.toAbsolutePath());
    return ConfigLoader.fromYaml(yaml, "templates-e2e.yaml", Map.of());
  }

  private static void writeBuilds(Path file, String... entries) throws IOException {
    StringBuilder doc = new StringBuilder("builds:\n");
    for (String entry : entries) {
      doc.append("  - ").append(entry).append('\n');
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, doc.toString());
  }

  private static String build(String name, String version, LocalDate date) {
    return "{group: debian-12, name: "
        + name
        + ", version: \""
        + version
        + "\", date: "
        + date
        + ", ga: true, usable: true, providers: [sim]}";
  }

  @Test
  void trackerBuild_preparesTemplate_poolFillsFromIt_andFollowsNewerBuild() throws IOException {
    Path dataDir = TestDirs.fresh("templates-e2e");
    Path builds = dataDir.resolve("builds.yaml");
    LocalDate today = LocalDate.now();
    writeBuilds(builds, build("debian-12-a", "12.7", today.minusDays(2)));
    try (CorralApp app = CorralApp.start(config(dataDir, builds), FAST)) {
      Http http = new Http(app.baseUrl());

      // The tracker polls at start: the raw build is recorded and its preparation build runs to the
      // end.
      Http.Reply done =
          http.await(
              "/v1/builds?group=debian-12",
              LIMIT,
              list -> list.size() == 1 && list.get(0).get("state").asText().equals("succeeded"));
      JsonNode first = http.get("/v1/builds/" + done.body().get(0).get("id").asLong()).body();
      assertEquals("debian-12-a", first.get("source_template").asText());
      assertEquals("sim", first.get("provider").asText());
      assertEquals("build/debian-12/sim/debian-12-a", first.get("workflow_id").asText());
      assertTrue(
          first
              .get("workflow_url")
              .asText()
              .startsWith("http://127.0.0.1:8233/namespaces/default/workflows/"));
      List<String> steps = new ArrayList<>();
      first
          .get("steps")
          .forEach(
              s -> {
                steps.add(s.get("name").asText());
                assertEquals("succeeded", s.get("state").asText());
                assertNotNull(s.get("started_at").asText());
              });
      assertEquals(List.of("deploy", "verify", "configure", "seal", "poweroff", "finish"), steps);
      MetricsScrape scrape = MetricsScrape.of(app.baseUrl());
      for (String step : steps) {
        assertEquals(
            1,
            scrape.value(
                "corral_build_step_seconds_count",
                "group",
                "debian-12",
                "provider",
                "sim",
                "step",
                step,
                "outcome",
                "succeeded"),
            "the " + step + " step's duration, per group and step");
      }
      String preparedA = first.get("result_template").asText();

      // The pool fills from the prepared template.
      http.await("/v1/pools", LIMIT, pools -> pools.get(0).get("ready").asInt() == 3);
      http.get("/v1/vms?pool=debian-12-prepared&state=ready")
          .body()
          .forEach(vm -> assertEquals(preparedA, vm.get("template").asText()));

      // A prepared template that VMs use cannot be deleted; the answer names what uses it.
      long preparedId = first.get("result_template_id").asLong();
      Http.Reply refused = http.delete("/v1/templates/" + preparedId);
      assertEquals(409, refused.status(), () -> refused.body().toString());
      assertEquals("template_in_use", refused.body().get("code").asText());

      // A newer build arrives: it is prepared and replaces the pool's VMs, never leaving it without
      // ready VMs.
      writeBuilds(
          builds,
          build("debian-12-a", "12.7", today.minusDays(2)),
          build("debian-12-b", "12.10", today));
      assertEquals(202, http.post("/v1/tracker/poll", "").status());
      long deadline = System.nanoTime() + LIMIT.toNanos();
      int lowestReady = Integer.MAX_VALUE;
      String preparedB = null;
      while (System.nanoTime() < deadline) {
        JsonNode pool = http.get("/v1/pools").body().get(0);
        lowestReady = Math.min(lowestReady, pool.get("ready").asInt());
        JsonNode ready = http.get("/v1/vms?pool=debian-12-prepared&state=ready").body();
        if (preparedB == null) {
          for (JsonNode b : http.get("/v1/builds?state=succeeded").body()) {
            if (b.get("source_template").asText().equals("debian-12-b")) {
              preparedB = b.get("result_template").asText();
            }
          }
        }
        String newest = preparedB;
        boolean switched = newest != null && ready.size() == 3;
        for (JsonNode vm : ready) {
          switched &= vm.get("template").asText().equals(newest);
        }
        if (switched) {
          break;
        }
        sleep(100);
      }
      assertNotNull(preparedB, "the newer build was prepared");
      for (JsonNode vm : http.get("/v1/vms?pool=debian-12-prepared&state=ready").body()) {
        assertEquals(
            preparedB,
            vm.get("template").asText(),
            "every ready VM comes from the newest template");
      }
      assertTrue(
          lowestReady >= 1,
          "the pool never ran out of ready VMs while switching (lowest " + lowestReady + ")");

      // The newer build turns unusable: its idle VMs go at once and the pool falls back to the
      // older build.
      writeBuilds(
          builds,
          build("debian-12-a", "12.7", today.minusDays(2)),
          build("debian-12-b", "12.10", today).replace("usable: true", "usable: false"));
      assertEquals(202, http.post("/v1/tracker/poll", "").status());
      http.await(
          "/v1/vms?pool=debian-12-prepared&state=ready",
          LIMIT,
          ready -> {
            if (ready.size() != 3) {
              return false;
            }
            for (JsonNode vm : ready) {
              if (!vm.get("template").asText().equals(preparedA)) {
                return false;
              }
            }
            return true;
          });
      http.await("/v1/templates?group=debian-12&state=unusable", LIMIT, list -> list.size() == 2);

      // Retrying a build that succeeded is refused; an unknown build is a 404 in the one error
      // shape.
      Http.Reply retry = http.post("/v1/builds/" + first.get("id").asLong() + "/retry", "");
      assertEquals(409, retry.status());
      assertEquals("build_refused", retry.body().get("code").asText());
      assertEquals(404, http.get("/v1/builds/999999").status());
      assertEquals(400, http.get("/v1/builds/abc").status());
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
