package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Corral on real QEMU guests (tools/guest, TCG): a pool fills from a freshly built template, a
 * lease hands out a VM reachable through its forwarded agent port, a release leaves no QEMU and no
 * directory behind, and the preparation chain turns a raw build into a prepared template whose
 * clones carry the group's configuration, while a failing configure leaves nothing behind.
 */
class QemuEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(100));

  static Path root;
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    QemuGuest.Build guest = QemuGuest.of("1.2.3");
    root = QemuGuest.shortDir("qe");
    Path templates = root.resolve("templates");
    guest.installAs(templates, "base", null);
    guest.installAs(templates, "guest-1.2.3", "guest");
    guest.installAs(templates, "broken-1.2.3", "broken");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          qemu:
            type: qemu
            templates_dir: %s
            kernel: %s
            initrd: %s
            vms_dir: %s
            accel: tcg
            memory_mb: 128
            max_vms: 6
            max_concurrent_clones: 2
            max_concurrent_builds: 1
        template_groups:
          guest: {configure: {motd: "prepared by corral"}}
          broken: {configure: {script: "echo configure broke >&2; exit 3"}}
        tracker: {interval: 1h}
        pools:
          - {name: plain, template: base, size: 2, boot_timeout: 3m}
          - {name: prepared, template: {group: guest, prepared: true}, size: 1, boot_timeout: 3m}
          - {name: never, template: {group: broken, prepared: true}, size: 1}
        """
            .formatted(
                root.resolve("data"),
                templates,
                guest.kernel(),
                guest.initrd(),
                root.resolve("vms"));
    app = CorralApp.start(ConfigLoader.fromYaml(yaml, "qemu-e2e.yaml", Map.of()), FAST);
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    // Corral leaves its QEMU VMs running across restarts on purpose; the test must not.
    for (Path dir : vmDirs()) {
      kill(dir);
    }
  }

  @Test
  void poolFills_leaseReachesTheGuestsAgent_andReleaseLeavesNoProcessAndNoDirectory()
      throws Exception {
    awaitReady("plain", 2);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    String name = vm.get("name").asText();
    assertEquals("127.0.0.1", vm.get("ip").asText());
    int agent = vm.get("ports").get("agent").asInt();
    Map<String, String> info = Http.guestInfo(agent);
    assertEquals(name, info.get("instance"), info.toString());
    assertEquals("1.2.3", info.get("version"), info.toString());
    long pid =
        Long.parseLong(
            Files.readString(root.resolve("vms").resolve(name).resolve("qemu.pid")).strip());

    Http.Reply released = http.delete("/v1/leases/" + lease.body().get("id").asText());
    assertEquals(200, released.status());

    http.await("/v1/vms/" + name, WAIT, v -> v.get("state").asText().equals("destroyed"));
    assertFalse(Files.exists(root.resolve("vms").resolve(name)), "the VM directory is removed");
    assertTrue(QemuGuest.exited(pid), "QEMU " + pid + " of the released VM still runs");
    awaitReady("plain", 2);
  }

  @Test
  void
      preparationChain_makesATemplateWhoseClonesReportItsVersionAndConfiguration_andAFailedOneLeavesNothing()
          throws Exception {
    JsonNode built =
        http.await(
                "/v1/builds?group=guest",
                WAIT,
                b -> b.size() > 0 && b.get(0).get("state").asText().equals("succeeded"))
            .body()
            .get(0);
    String prepared = built.get("result_template").asText();
    assertTrue(Files.exists(root.resolve("templates").resolve(prepared + ".qcow2")), prepared);
    awaitReady("prepared", 1);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"prepared\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    assertEquals(prepared, vm.get("template").asText());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals("prepared by corral", info.get("config.motd"), info.toString());
    assertEquals("1.2.3", info.get("version"), info.toString());
    assertEquals(vm.get("name").asText(), info.get("instance"), info.toString());
    http.delete("/v1/leases/" + lease.body().get("id").asText());

    JsonNode failed =
        http.await(
                "/v1/builds?group=broken",
                WAIT,
                b -> b.size() > 0 && b.get(0).get("state").asText().equals("failed"))
            .body()
            .get(0);
    assertEquals("configure", failed.get("step").asText(), failed.toString());
    JsonNode detail = http.get("/v1/builds/" + failed.get("id").asText()).body();
    assertTrue(
        detail.toString().contains("configure broke") || detail.toString().contains("exit"),
        detail.toString());
    try (Stream<Path> files = Files.list(root.resolve("templates"))) {
      List<String> left =
          files
              .map(p -> p.getFileName().toString())
              .filter(f -> f.startsWith("broken") && !f.startsWith("broken-1.2.3."))
              .toList();
      assertEquals(List.of(), left, "no half-made template of the failed build");
    }
    String buildVm = detail.get("vm_name") == null ? null : detail.get("vm_name").asText();
    for (Path dir : vmDirs()) {
      assertFalse(
          dir.getFileName().toString().startsWith("corral-build-") && !isRunningBuild(dir),
          "a build VM directory is left: " + dir + " (build vm " + buildVm + ")");
    }
  }

  private static boolean isRunningBuild(Path dir) {
    JsonNode builds = http.get("/v1/builds?state=running").body();
    return builds.toString().contains(dir.getFileName().toString());
  }

  private static void awaitReady(String pool, int ready) {
    http.await("/v1/pools", WAIT, pools -> Http.pool(pools, pool).get("ready").asInt() >= ready);
  }

  private static List<Path> vmDirs() {
    Path vms = root == null ? null : root.resolve("vms");
    if (vms == null || !Files.isDirectory(vms)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(vms)) {
      return dirs.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  private static void kill(Path vmDir) {
    try {
      long pid = Long.parseLong(Files.readString(vmDir.resolve("qemu.pid")).strip());
      ProcessHandle.of(pid)
          .filter(h -> h.info().command().orElse("").contains("qemu"))
          .ifPresent(ProcessHandle::destroyForcibly);
    } catch (IOException | NumberFormatException e) {
      // not running
    }
  }
}
