package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.LibvirtHost;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Corral on the real libvirtd of this machine (TCG, user-mode networking): a pool of 2 libvirt VMs
 * fills, a lease hands out a VM whose agent answers on its forwarded port, a release leaves no
 * domain and no volume, and the preparation chain makes a template whose clones carry the group's
 * configuration, while a failing configure leaves nothing behind.
 */
class LibvirtEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(240);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(100));

  static LibvirtHost.Pool pool;
  static String scope;
  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() {
    QemuGuest.Build guest = QemuGuest.of("1.2.3");
    pool = LibvirtHost.pool("le");
    guest.installAs(pool.dir(), "base", null);
    guest.installAs(pool.dir(), "guest-1.2.3", "guest");
    guest.installAs(pool.dir(), "broken-1.2.3", "broken");
    scope = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    Path root = QemuGuest.shortDir("le");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          kvm1:
            type: libvirt
            uri: %s
            storage_pool: %s
            kernel: %s
            initrd: %s
            scope: %s
            max_vms: 6
            max_concurrent_clones: 2
            max_concurrent_builds: 1
        template_groups:
          guest: {configure: {motd: "prepared on libvirt"}}
          broken: {configure: {script: "echo configure broke >&2; exit 3"}}
        tracker: {interval: 1h}
        pools:
          - {name: plain, template: base, size: 2, boot_timeout: 3m, memory_mb: 160}
          - {name: prepared, template: {group: guest, prepared: true}, size: 1, boot_timeout: 3m}
          - {name: never, template: {group: broken, prepared: true}, size: 1}
        """
            .formatted(
                root.resolve("data"),
                LibvirtHost.URI,
                pool.name(),
                guest.kernel(),
                guest.initrd(),
                scope);
    app = CorralApp.start(ConfigLoader.fromYaml(yaml, "libvirt-e2e.yaml", Map.of()), FAST);
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    // Corral leaves its domains running across restarts on purpose; the test must not.
    LibvirtHost.removeDomainsOfScope(scope);
    if (pool != null) {
      pool.close();
    }
  }

  @Test
  void poolFills_leaseReachesTheGuestsAgent_andReleaseLeavesNoDomainAndNoVolume() throws Exception {
    awaitReady("plain", 2);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    String name = vm.get("name").asText();
    assertEquals("127.0.0.1", vm.get("ip").asText());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals(name, info.get("instance"), info.toString());
    assertEquals("1.2.3", info.get("version"), info.toString());
    assertEquals(
        Long.valueOf(160L * 1024),
        LibvirtHost.<Long>with(c -> c.domainLookupByName(name).getInfo().maxMem),
        "the pool's memory_mb");

    Http.Reply released = http.delete("/v1/leases/" + lease.body().get("id").asText());
    assertEquals(200, released.status());

    http.await("/v1/vms/" + name, WAIT, v -> v.get("state").asText().equals("destroyed"));
    assertTrue(!LibvirtHost.domainsOfScope(scope).contains(name), "the domain is undefined");
    assertEquals(List.of(), volumesOf(name), "the VM's volumes are deleted");
    awaitReady("plain", 2);
  }

  @Test
  void preparationChain_makesATemplateWhoseClonesCarryItsConfiguration_andAFailedOneLeavesNothing()
      throws Exception {
    JsonNode built =
        http.await(
                "/v1/builds?group=guest",
                WAIT,
                b -> b.size() > 0 && b.get(0).get("state").asText().equals("succeeded"))
            .body()
            .get(0);
    String prepared = built.get("result_template").asText();
    assertTrue(Files.exists(pool.dir().resolve(prepared + ".qcow2")), prepared);
    awaitReady("prepared", 1);

    Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"prepared\": 1}}");
    assertEquals(201, lease.status(), () -> lease.body().toString());
    JsonNode vm = lease.body().get("vms").get(0);
    assertEquals(prepared, vm.get("template").asText());
    Map<String, String> info = Http.guestInfo(vm.get("ports").get("agent").asInt());
    assertEquals("prepared on libvirt", info.get("config.motd"), info.toString());
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
    assertTrue(detail.toString().contains("configure broke"), detail.toString());
    try (Stream<Path> files = Files.list(pool.dir())) {
      List<String> left =
          files
              .map(p -> p.getFileName().toString())
              .filter(f -> f.startsWith("broken") && !f.startsWith("broken-1.2.3."))
              .toList();
      assertEquals(List.of(), left, "no half-made template of the failed build");
    }
    for (String domain : LibvirtHost.domainsOfScope(scope)) {
      assertTrue(
          !domain.startsWith("corral-build-") || isRunningBuild(domain),
          "a build VM's domain is left: " + domain);
    }
    try (Stream<Path> files = Files.list(pool.dir())) {
      for (String volume : files.map(p -> p.getFileName().toString()).toList()) {
        assertTrue(
            !volume.startsWith("corral-vm.corral-build-") || isRunningBuild(volume.split("\\.")[1]),
            "a build VM's volume is left: " + volume);
      }
    }
  }

  private static void awaitReady(String poolName, int ready) {
    http.await(
        "/v1/pools", WAIT, pools -> Http.pool(pools, poolName).get("ready").asInt() >= ready);
  }

  private static boolean isRunningBuild(String vmName) {
    return http.get("/v1/builds?state=running").body().toString().contains(vmName);
  }

  private static List<String> volumesOf(String vmName) throws IOException {
    try (Stream<Path> files = Files.list(pool.dir())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.startsWith("corral-vm." + vmName + "."))
          .toList();
    }
  }
}
