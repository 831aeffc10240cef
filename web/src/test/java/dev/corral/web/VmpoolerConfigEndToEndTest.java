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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * vmpooler's config writes (poolsize, pooltemplate, poolreset) and their native twins, over real
 * HTTP.
 */
class VmpoolerConfigEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final String DEBIAN = "debian-12-x86_64";
  private static final String FEDORA = "fedora-40-x86_64";

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
        pools:
          - name: debian-12-x86_64
            alias: [debian-12-64]
            template: debian-12-base
            size: 3
          - name: fedora-40-x86_64
            template: fedora-40-base
            size: 2
        """
            .formatted(dataDir.toAbsolutePath());
    return ConfigLoader.fromYaml(yaml, "vmpooler-config.yaml", Map.of());
  }

  @Test
  void poolsize_growsThePoolAtOnce_survivesARestart_andDeleteUndoesIt() {
    Path dataDir = TestDirs.fresh("vmp-config");
    try (CorralApp app = CorralApp.start(config(dataDir), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitReady(http, DEBIAN, 3);

      Http.Reply grow = http.post("/api/v3/config/poolsize", "{\"debian-12-x86_64\": \"5\"}");
      assertEquals(201, grow.status(), () -> "poolsize: " + grow.body());
      assertTrue(grow.body().get("ok").asBoolean());
      assertEquals(
          200,
          http.post("/api/v3/config/poolsize", "{\"debian-12-x86_64\": 5}").status(),
          "nothing changed");
      awaitReady(http, DEBIAN, 5);
      assertEquals(
          5, http.get("/api/v3/status").body().get("pools").get(DEBIAN).get("max").asInt());

      Http.Reply unknown =
          http.post("/api/v3/config/poolsize", "{\"nope\": \"2\", \"fedora-40-x86_64\": \"4\"}");
      assertEquals(400, unknown.status());
      assertEquals("[\"nope\"]", unknown.body().get("not_configured").toString());
      Http.Reply negative = http.post("/api/v3/config/poolsize", "{\"fedora-40-x86_64\": \"-1\"}");
      assertEquals(400, negative.status());
      assertEquals("[\"fedora-40-x86_64\"]", negative.body().get("not_configured").toString());
      assertEquals(
          2,
          http.get("/api/v3/status").body().get("pools").get(FEDORA).get("max").asInt(),
          "a refused request changes no pool");
    }

    try (CorralApp again = CorralApp.start(config(dataDir), FAST)) {
      Http http = new Http(again.baseUrl());
      assertEquals(
          5,
          http.get("/api/v3/status").body().get("pools").get(DEBIAN).get("max").asInt(),
          "the override outlives the restart and its config sync");
      assertEquals(
          5,
          http.get("/api/v3/config").body().get("pool_configuration").get(0).get("size").asInt());

      Http.Reply undo = http.delete("/api/v3/config/poolsize/" + DEBIAN);
      assertEquals(201, undo.status(), () -> "undo: " + undo.body());
      assertEquals(5, undo.body().get("pool_size_before_reset").asInt());
      assertEquals(3, undo.body().get("pool_size_before_overrides").asInt());
      assertEquals(
          200, http.delete("/api/v3/config/poolsize/" + DEBIAN).status(), "no override left");
      Http.Reply missing = http.delete("/api/v3/config/poolsize/nope");
      assertEquals(404, missing.status());
      assertFalse(missing.body().get("ok").asBoolean());
      http.await(
          "/v1/pools",
          FILL,
          pools ->
              Http.pool(pools, DEBIAN).get("ready").asInt() == 3
                  && Http.pool(pools, DEBIAN).get("size").asInt() == 3);
    }
  }

  @Test
  void pooltemplate_switchesToAKnownTemplate_refusesUnknownOnes_andDeleteGoesBack() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("vmp-template")), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitReady(http, FEDORA, 2);

      Http.Reply bad =
          http.post(
              "/api/v3/config/pooltemplate", "{\"fedora-40-x86_64\": \"Folder/no-such-template\"}");
      assertEquals(400, bad.status());
      assertEquals("[\"fedora-40-x86_64\"]", bad.body().get("bad_templates").toString());

      Http.Reply use =
          http.post("/api/v3/config/pooltemplate", "{\"fedora-40-x86_64\": \"debian-12-base\"}");
      assertEquals(201, use.status(), () -> "pooltemplate: " + use.body());
      // The pool moves over whole: two ready VMs of the new template, the old ones drained.
      http.await(
          "/v1/vms?pool=fedora-40-x86_64&state=ready",
          FILL,
          vms -> vms.size() == 2 && templates(vms).equals(Set.of("debian-12-base")));

      Http.Reply undo = http.delete("/api/v3/config/pooltemplate/" + FEDORA);
      assertEquals(201, undo.status(), () -> "undo: " + undo.body());
      assertEquals("debian-12-base", undo.body().get("template_before_reset").asText());
      assertEquals("fedora-40-base", undo.body().get("template_before_overrides").asText());
      http.await(
          "/v1/vms?pool=fedora-40-x86_64&state=ready",
          FILL,
          vms -> vms.size() == 2 && templates(vms).equals(Set.of("fedora-40-base")));

      // The same service natively.
      Http.Reply nativeSet =
          http.put("/v1/pools/fedora-40-x86_64/template", "{\"template\": \"debian-12-base\"}");
      assertEquals(200, nativeSet.status(), () -> "native: " + nativeSet.body());
      assertEquals("debian-12-base", nativeSet.body().get("template").asText());
      assertEquals("fedora-40-base", nativeSet.body().get("configured_template").asText());
      assertEquals(
          "fedora-40-base",
          http.delete("/v1/pools/fedora-40-x86_64/template").body().get("template").asText());
      assertEquals(400, http.put("/v1/pools/fedora-40-x86_64/size", "{\"size\": -3}").status());
      assertEquals(404, http.put("/v1/pools/nope/size", "{\"size\": 3}").status());
    }
  }

  @Test
  void poolreset_drainsReadyVms_andThePoolRefillsWithNewOnes() {
    try (CorralApp app = CorralApp.start(config(TestDirs.fresh("vmp-reset")), FAST)) {
      Http http = new Http(app.baseUrl());
      JsonNode before = awaitReady(http, FEDORA, 2);
      Set<String> oldNames = names(before);

      Http.Reply bad = http.post("/api/v3/poolreset", "{\"nope\": \"1\"}");
      assertEquals(400, bad.status());
      assertEquals("[\"nope\"]", bad.body().get("bad_pools").toString());

      Http.Reply reset = http.post("/api/v3/poolreset", "{\"fedora-40-x86_64\": \"1\"}");
      assertEquals(201, reset.status(), () -> "poolreset: " + reset.body());
      assertTrue(reset.body().get("ok").asBoolean());
      for (String old : oldNames) {
        http.await("/v1/vms/" + old, FILL, vm -> vm.get("state").asText().equals("destroyed"));
      }
      JsonNode after = awaitReady(http, FEDORA, 2);
      Set<String> overlap = new HashSet<>(names(after));
      overlap.retainAll(oldNames);
      assertTrue(overlap.isEmpty(), "the refilled pool has only new VMs: " + after);
      assertEquals(
          3,
          http.get("/api/v3/status").body().get("pools").get(DEBIAN).get("ready").asInt(),
          "other pools are left alone");
    }
  }

  @Test
  void clonetarget_movesThePoolToOneProvider_keepsItFull_andDeleteUndoesIt() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          east: {type: simulated, clone_seconds: 0.1, boot_seconds: 0.1, max_vms: 10, max_concurrent_clones: 5}
          west: {type: simulated, clone_seconds: 0.1, boot_seconds: 0.1, max_vms: 10, max_concurrent_clones: 5}
        pools:
          - {name: spread, template: t, providers: [east, west], size: 4}
        """
            .formatted(TestDirs.fresh("vmp-clonetarget"));
    try (CorralApp app =
        CorralApp.start(ConfigLoader.fromYaml(yaml, "clonetarget.yaml", Map.of()), FAST)) {
      Http http = new Http(app.baseUrl());
      awaitReady(http, "spread", 4);

      Http.Reply bad = http.post("/api/v3/config/clonetarget", "{\"spread\": \"north\"}");
      assertEquals(400, bad.status(), () -> bad.body().toString());
      assertEquals("[\"spread\"]", bad.body().get("bad_clone_targets").toString());
      assertEquals(400, http.post("/api/v3/config/clonetarget", "{\"nope\": \"west\"}").status());

      Http.Reply moved = http.post("/api/v3/config/clonetarget", "{\"spread\": \"west\"}");
      assertEquals(201, moved.status(), () -> moved.body().toString());
      assertEquals(
          200,
          http.post("/api/v3/config/clonetarget", "{\"spread\": \"west\"}").status(),
          "no change");
      http.await(
          "/v1/vms?pool=spread&state=ready",
          FILL,
          vms -> vms.size() == 4 && providers(vms).equals(Set.of("west")));

      Http.Reply undone = http.delete("/api/v3/config/clonetarget/spread");
      assertEquals(201, undone.status(), () -> undone.body().toString());
      assertEquals("west", undone.body().get("clone_target_before_reset").asText());
      assertEquals(
          200, http.delete("/api/v3/config/clonetarget/spread").status(), "nothing left to undo");
      Http.Reply east =
          http.send("PUT", "/v1/pools/spread/clone-target", "{\"provider\": \"east\"}");
      assertEquals(200, east.status(), () -> east.body().toString());
      assertEquals("east", east.body().get("clone_target").asText());
      http.await(
          "/v1/vms?pool=spread&state=ready",
          FILL,
          vms -> vms.size() == 4 && providers(vms).equals(Set.of("east")));
      assertTrue(http.delete("/v1/pools/spread/clone-target").body().get("clone_target").isNull());
    }
  }

  private static Set<String> providers(JsonNode vms) {
    Set<String> providers = new HashSet<>();
    vms.forEach(vm -> providers.add(vm.get("provider").asText()));
    return providers;
  }

  private static JsonNode awaitReady(Http http, String pool, int ready) {
    return http.await("/v1/vms?pool=" + pool + "&state=ready", FILL, vms -> vms.size() == ready)
        .body();
  }

  private static Set<String> names(JsonNode vms) {
    Set<String> names = new HashSet<>();
    vms.forEach(vm -> names.add(vm.get("name").asText()));
    return names;
  }

  private static Set<String> templates(JsonNode vms) {
    Set<String> templates = new HashSet<>();
    vms.forEach(vm -> templates.add(vm.get("template").asText()));
    return templates;
  }
}
