package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.PodmanService;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Corral on a real Podman service (the Docker Engine API) of its own: a pool of containers fills, a
 * lease hands out one whose agent answers on its published port, a release leaves no container,
 * snapshot, revert and disk are refused up front on the native and the vmpooler routes, the
 * preparation chain commits an image whose containers show the group's configuration, and a daemon
 * restart in the middle of a fill is ridden out.
 */
class DockerEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(100));

  static PodmanService podman;
  static String scope;
  static String raw;
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    podman = PodmanService.start();
    String id = UUID.randomUUID().toString().substring(0, 8);
    scope = "e2e-" + id;
    raw = "corral-e2e-" + id + ":" + PodmanService.GUEST_VERSION;
    PodmanService.buildGuestOfGroup(raw, "cguest-" + id);
    // A VM build of the same group, newer, on a simulated provider: the container flag tells them
    // apart.
    Path builds = QemuGuest.shortDir("de").resolve("builds.yaml");
    writeBuilds(builds, id);
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          pods:
            type: docker
            host: "%s"
            scope: %s
            max_vms: 12
            max_concurrent_clones: 4
            max_concurrent_builds: 1
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 4}
        template_groups:
          cguest-%s: {configure: {motd: "prepared in a container"}}
        tracker: {interval: 1h, sources: [{file: %s}]}
        pools:
          - {name: plain, template: "%s", providers: [pods], size: 2, memory_mb: 96, cpus: 1}
          - {name: refill, template: "%s", providers: [pods], size: 0}
          - {name: prepared, template: {group: cguest-%s, prepared: true}, providers: [pods], size: 1}
          - {name: mixed, template: {group: cguest-%s, container: true}, providers: [sim, pods], size: 1}
        """
            .formatted(
                QemuGuest.shortDir("de").resolve("data"),
                podman.host(),
                scope,
                id,
                builds,
                raw,
                raw,
                id,
                id);
    app = CorralApp.start(ConfigLoader.fromYaml(yaml, "docker-e2e.yaml", Map.of()), FAST);
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (podman != null) {
      // Containers outlive Corral on purpose; the test's must not outlive the test.
      podman.ensureRunning();
      for (String name : containersOfScope()) {
        PodmanService.podmanSucceeds("rm", "-f", name);
      }
      PodmanService.podmanSucceeds("rmi", "-f", raw);
      podman.close();
    }
  }

  @Test
  void poolFills_leaseReachesTheGuestsAgent_andReleaseLeavesNoContainer() throws Exception {
    awaitReady("plain", 2);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    String name = vm.get("name").asText();
    assertEquals("127.0.0.1", vm.get("ip").asText());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals(name, info.get("instance"), info.toString());
    assertEquals(PodmanService.GUEST_VERSION, info.get("version"), info.toString());
    assertEquals(
        String.valueOf(96L * 1024 * 1024),
        PodmanService.podman("inspect", "--format", "{{.HostConfig.Memory}}", name).strip(),
        "the pool's memory_mb is the container's limit");

    Http.Reply released = http.delete("/v1/leases/" + lease.body().get("id").asText());
    assertEquals(200, released.status());

    http.await("/v1/vms/" + name, WAIT, v -> v.get("state").asText().equals("destroyed"));
    assertFalse(containersOfScope().contains(name), "the container is removed");
    awaitReady("plain", 2);
  }

  @Test
  void snapshotRevertAndDisk_areRefusedUpFront_namingTheProvidersLimit() {
    awaitReady("plain", 1);
    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    String name = lease.body().get("vms").get(0).get("name").asText();
    try {
      Http.Reply snapshot = http.post("/v1/vms/" + name + "/snapshots", "{}");
      assertEquals(409, snapshot.status(), () -> snapshot.body().toString());
      assertEquals("unsupported_task", snapshot.body().get("code").asText());
      assertTrue(
          snapshot.body().get("error").asText().contains("provider pods, which does not support"),
          snapshot.body().toString());
      assertEquals("pods", snapshot.body().get("detail").get("provider").asText());

      Http.Reply disk = http.post("/v1/vms/" + name + "/disks", "{\"size_gb\": 4}");
      assertEquals(409, disk.status(), () -> disk.body().toString());
      assertEquals("disk", disk.body().get("detail").get("task").asText());

      Http.Reply v3Snapshot = http.post("/api/v3/vm/" + name + "/snapshot", "");
      assertEquals(409, v3Snapshot.status(), () -> String.valueOf(v3Snapshot.body()));
      assertFalse(v3Snapshot.body().get("ok").asBoolean());
      assertTrue(
          v3Snapshot.body().get("error").asText().contains("does not support snapshots"),
          v3Snapshot.body().toString());
      Http.Reply v3Revert = http.post("/api/v3/vm/" + name + "/snapshot/abc", "");
      assertEquals(409, v3Revert.status(), () -> String.valueOf(v3Revert.body()));
      Http.Reply v3Disk = http.post("/api/v3/vm/" + name + "/disk/8", "");
      assertEquals(409, v3Disk.status(), () -> String.valueOf(v3Disk.body()));

      JsonNode v3 = http.get("/api/v3/vm/" + name).body().get(name);
      assertEquals(0, v3.get("snapshots").size(), "no task was queued: " + v3);
      assertEquals(0, v3.get("disk").size(), "no task was queued: " + v3);
    } finally {
      http.delete("/v1/leases/" + lease.body().get("id").asText());
    }
  }

  @Test
  void preparationChain_commitsAnImageWhoseContainersShowTheConfiguration() throws Exception {
    JsonNode built =
        http.await(
                "/v1/builds?state=succeeded",
                WAIT,
                b -> b.size() > 0 && b.get(0).get("result_template").isTextual())
            .body()
            .get(0);
    String prepared = built.get("result_template").asText();
    assertTrue(PodmanService.podmanSucceeds("image", "exists", prepared), prepared);
    awaitReady("prepared", 1);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"prepared\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    assertEquals(prepared, vm.get("template").asText());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals("prepared in a container", info.get("config.motd"), info.toString());
    assertEquals(vm.get("name").asText(), info.get("instance"), info.toString());
    http.delete("/v1/leases/" + lease.body().get("id").asText());
    for (String name : containersOfScope()) {
      assertFalse(
          name.startsWith("corral-build-") && !isRunningBuild(name),
          "a build container is left: " + name);
    }
  }

  @Test
  void aDaemonRestartInTheMiddleOfAFill_isRiddenOut_andThePoolFills() {
    Http.Reply grow = http.send("PUT", "/v1/pools/refill/size", "{\"size\": 5}");
    assertEquals(200, grow.status(), () -> grow.body().toString());
    try {
      podman.stop();
      JsonNode provider =
          http.await(
                  "/v1/providers",
                  WAIT,
                  ps -> providerError(ps) != null && providerError(ps).contains("unreachable"))
              .body();
      assertTrue(provider.toString().contains("unreachable"), provider.toString());
      podman.startService();

      awaitReady("refill", 5);
      JsonNode vms = http.get("/v1/vms?pool=refill&state=ready").body();
      for (JsonNode vm : vms) {
        Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
        assertEquals(vm.get("name").asText(), info.get("instance"), info.toString());
      }
      http.await("/v1/providers", WAIT, ps -> providerError(ps) == null);
    } finally {
      podman.ensureRunning();
      http.send("DELETE", "/v1/pools/refill/size", null);
    }
  }

  @Test
  void theContainerFlag_tellsContainerTemplatesFromVmTemplates_whereverTemplatesAreSelected() {
    String group = "cguest-" + raw.substring("corral-e2e-".length(), raw.indexOf(':'));
    String versions = "/v1/template-groups/" + group + "/versions";
    http.await(versions, WAIT, v -> v.get("versions").size() == 2);
    assertEquals(List.of("9.9.9", "1.2.3"), versionsOf(http.get(versions).body()));
    assertEquals(List.of("1.2.3"), versionsOf(http.get(versions + "?container=true").body()));
    assertEquals(List.of("9.9.9"), versionsOf(http.get(versions + "?container=false").body()));
    Http.Page page = http.page("/request?group=" + group + "&container=true");
    assertTrue(page.body().contains("data-version=\"1.2.3\""), page.body());
    assertFalse(page.body().contains("data-version=\"9.9.9\""), page.body());
    assertTrue(page.body().contains("containers only"), page.body());
    Http.Reply bad = http.get(versions + "?container=maybe");
    assertEquals(400, bad.status(), () -> bad.body().toString());
    assertEquals("container", bad.body().get("detail").get("field").asText());

    // A pool on both providers whose selector asks for containers clones the image, not the
    // newer VM build.
    awaitReady("mixed", 1);
    JsonNode mixed = http.get("/v1/vms?pool=mixed&state=ready").body().get(0);
    assertEquals("pods", mixed.get("provider").asText(), mixed.toString());
    assertEquals(raw, mixed.get("template").asText(), mixed.toString());
    assertTrue(
        Http.pool(http.get("/v1/pools").body(), "mixed")
            .get("template_selector")
            .get("template_container")
            .asBoolean());

    Http.Reply containers =
        http.post(
            "/v1/leases", "{\"template\": {\"group\": \"" + group + "\", \"container\": true}}");
    assertEquals(201, containers.status(), () -> containers.body().toString());
    JsonNode vm = containers.body().get("vms").get(0);
    assertEquals("pods", vm.get("provider").asText(), vm.toString());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals(vm.get("name").asText(), info.get("instance"), info.toString());
    http.delete("/v1/leases/" + containers.body().get("id").asText());
    Http.Page requested =
        http.postForm(
            "/request",
            "group=" + group + "&version=latest&date=latest&container=true&count=1",
            "Origin",
            app.baseUrl());
    assertEquals(303, requested.status(), requested::body);
    String location = requested.headers().firstValue("Location").orElseThrow();
    JsonNode fromPage = http.get("/v1/leases/" + location.split("lease=")[1]).body();
    assertEquals("pods", fromPage.get("vms").get(0).get("provider").asText(), fromPage.toString());
    http.delete("/v1/leases/" + fromPage.get("id").asText());

    Http.Reply vms =
        http.post(
            "/v1/leases",
            "{\"template\": {\"group\": \""
                + group
                + "\", \"container\": false}, \"wait\": \"1m\"}");
    assertEquals(202, vms.status(), () -> vms.body().toString());
    JsonNode lease =
        http.await(
                "/v1/leases/" + vms.body().get("id").asText(),
                WAIT,
                l -> l.get("state").asText().equals("active"))
            .body();
    assertEquals("sim", lease.get("vms").get(0).get("provider").asText(), lease.toString());
    assertEquals(group + "-vm", lease.get("vms").get(0).get("template").asText());
    http.delete("/v1/leases/" + lease.get("id").asText());
  }

  private static List<String> versionsOf(JsonNode reply) {
    List<String> out = new java.util.ArrayList<>();
    reply.get("versions").forEach(v -> out.add(v.get("version").asText()));
    return out;
  }

  private static void writeBuilds(Path file, String id) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          """
          builds:
            - {group: cguest-%s, name: cguest-%s-vm, version: "9.9.9", date: 2026-12-01, ga: true, usable: true, providers: [sim]}
          """
              .formatted(id, id));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String providerError(JsonNode providers) {
    for (JsonNode p : providers) {
      if (p.get("name").asText().equals("pods")) {
        return p.get("error").isNull() ? null : p.get("error").asText();
      }
    }
    return null;
  }

  private static void awaitReady(String poolName, int ready) {
    http.await(
        "/v1/pools", WAIT, pools -> Http.pool(pools, poolName).get("ready").asInt() >= ready);
  }

  private static boolean isRunningBuild(String vmName) {
    return http.get("/v1/builds?state=running").body().toString().contains(vmName);
  }

  private static List<String> containersOfScope() {
    String out =
        PodmanService.podman(
            "ps", "-a", "--filter", "label=dev.corral.scope=" + scope, "--format", "{{.Names}}");
    return Arrays.stream(out.split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
