package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.activities.testing.GuestAgentDouble;
import dev.corral.activities.testing.TestDirs;
import dev.corral.activities.testing.VcSim;
import dev.corral.config.ConfigLoader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Corral on a vCenter (govmomi's simulator, whose guests "boot" 100 ms after power-on and report
 * 127.0.0.1, where a double of the guest agent answers): pools fill into folders of their own, a
 * vmpooler checkout gets a VM with its address and host name, snapshots, reverts and disks are done
 * in vCenter, a release deletes the VM, the reconciler purges only inside Corral's folders, and the
 * vCenter password appears in no reply.
 */
class VsphereEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String PASSWORD_ENV = "CORRAL_TEST_VC_PASSWORD";

  static VcSim vcsim;
  static GuestAgentDouble agent;
  static CorralApp app;
  static Http http;
  static String root;

  @BeforeAll
  static void start() {
    // A password no reply could contain by chance.
    vcsim = VcSim.start("-boot", "100ms", "-pass", "Vc-pw-7f3a9e1c");
    agent = GuestAgentDouble.start("12.5");
    vcsim.makeTemplate("templates", "debian-12", "{\"group\":\"debian-12\",\"version\":\"12.5\"}");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: root, password: root-pw, admin: true}
        reconcile: {tick: 1m, window: 10m}
        purge: {allowlist: ["keep-*"]}
        providers:
          vc1:
            type: vsphere
            url: %s
            user: %s
            password: ${%s}
            ca_file: %s
            ports: {agent: %d, ssh: 22}
            purge_empty_folders: true
            max_vms: 10
            max_concurrent_clones: 2
            pools:
              full: {clone_type: full}
        pools:
          - {name: linked, template: debian-12, size: 2}
          - {name: full, template: debian-12, size: 1}
        """
            .formatted(
                TestDirs.fresh("e2e-vsphere"),
                vcsim.sdk(),
                vcsim.user(),
                PASSWORD_ENV,
                vcsim.caFile(),
                agent.port());
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "vsphere-e2e.yaml", Map.of(PASSWORD_ENV, vcsim.password())),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(100)));
    http = new Http(app.baseUrl());
    root = http.token("root", "root-pw");
    http.await(
        "/v1/pools",
        WAIT,
        pools ->
            Http.pool(pools, "linked").get("ready").asInt() == 2
                && Http.pool(pools, "full").get("ready").asInt() == 1);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (agent != null) {
      agent.close();
    }
    if (vcsim != null) {
      vcsim.close();
    }
  }

  @Test
  void aCheckoutGetsAVmInItsPoolsFolder_tasksAreDoneInVcenter_andAReleaseDeletesIt() {
    for (JsonNode vm : http.get("/v1/vms?pool=full&state=ready").body()) {
      String name = vm.get("name").asText();
      assertTrue(vcsim.find("DC0/vm/corral/full/" + name).isPresent(), name);
    }
    Http.Reply checkout = http.send("POST", "/api/v3/vm/linked", null, "X-AUTH-TOKEN", root);
    assertEquals(200, checkout.status(), () -> checkout.body().toString());
    String host = checkout.body().get("linked").get("hostname").asText();
    assertTrue(vcsim.find("DC0/vm/corral/linked/" + host).isPresent(), host);
    JsonNode vm = http.get("/v1/vms/" + host).body();
    assertEquals("127.0.0.1", vm.get("ip").asText(), vm.toString());
    assertEquals(host, vm.get("hostname").asText(), "the name the guest reports through Tools");

    Http.Reply snapshot =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot", null, "X-AUTH-TOKEN", root);
    assertEquals(202, snapshot.status(), () -> snapshot.body().toString());
    String id = snapshot.body().get(host).get("snapshot").asText();
    http.await("/v1/vms/" + host, WAIT, v -> states(v).equals(List.of("done")));
    Http.Reply revert =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot/" + id, null, "X-AUTH-TOKEN", root);
    assertEquals(202, revert.status(), () -> revert.body().toString());
    Http.Reply disk =
        http.send("POST", "/api/v3/vm/" + host + "/disk/4", null, "X-AUTH-TOKEN", root);
    assertEquals(202, disk.status(), () -> disk.body().toString());
    http.await("/v1/vms/" + host, WAIT, v -> states(v).equals(List.of("done", "done", "done")));
    assertEquals(List.of(id), snapshotNames(host), "the snapshot is vCenter's");
    assertTrue(hasCorralDisk(host), "a 4 GB disk is attached in vCenter");

    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", root).status());
    http.await("/v1/vms/" + host, WAIT, v -> v.get("state").asText().equals("destroyed"));
    assertFalse(vcsim.find("DC0/vm/corral/linked/" + host).isPresent(), "deleted in vCenter");
    http.await("/v1/pools", WAIT, pools -> Http.pool(pools, "linked").get("ready").asInt() == 2);
  }

  @Test
  void theReconcilerPurgesOnlyInsideCorralsFolders_andKeepsAllowlistedFoldersAndFoldersInPools()
      throws Exception {
    vcsim.makeFolder("DC0/vm/corral/linked", "corral-folder-not-a-vm");
    vcsim.makeFolder("DC0/vm/corral", "retired-pool");
    vcsim.makeFolder("DC0/vm/corral", "keep-this");
    vcsim.makeFolder("DC0/vm", "elsewhere");
    String stray = cloneStray("DC0/vm/corral/linked", "corral-stray0001");
    String outside = cloneStray("DC0/vm/elsewhere", "corral-outside001");

    for (int pass = 0; pass < 2; pass++) {
      Http.Reply r = http.send("POST", "/v1/reconcile", "{\"force\": true}", "X-AUTH-TOKEN", root);
      assertEquals(200, r.status(), () -> r.body().toString());
    }

    assertFalse(vcsim.find("DC0/vm/corral/linked/" + stray).isPresent(), "an unknown VM goes");
    assertFalse(vcsim.find("DC0/vm/corral/retired-pool").isPresent(), "an unused folder goes");
    assertTrue(vcsim.find("DC0/vm/corral/keep-this").isPresent(), "purge.allowlist keeps it");
    assertTrue(
        vcsim.find("DC0/vm/corral/linked/corral-folder-not-a-vm").isPresent(),
        "a folder in a pool folder is never taken for a VM");
    assertTrue(vcsim.find("DC0/vm/elsewhere/" + outside).isPresent(), "outside: not Corral's");
    assertEquals(2, Http.pool(http.get("/v1/pools").body(), "linked").get("ready").asInt());
  }

  @Test
  void theVcenterPasswordAppearsInNoReply() {
    for (String path :
        List.of(
            "/v1/providers",
            "/v1/providers/vc1/inventory",
            "/v1/pools",
            "/v1/reconcile",
            "/api/v3/status",
            "/api/v3/config",
            "/metrics")) {
      Http.Page page = http.page(path, "X-AUTH-TOKEN", root);
      assertEquals(200, page.status(), path);
      assertFalse(page.body().contains(vcsim.password()), path + " shows the password");
    }
    Http.Page dashboard = http.page("/", "Authorization", Http.basic("root", "root-pw"));
    assertFalse(dashboard.body().contains(vcsim.password()), "the dashboard shows the password");
  }

  private static List<String> states(JsonNode vm) {
    return java.util.stream.StreamSupport.stream(vm.get("tasks").spliterator(), false)
        .map(t -> t.get("state").asText())
        .toList();
  }

  /** A VM made behind Corral's back, as a copy of one of the simulator's own. */
  private static String cloneStray(String folderPath, String name) throws Exception {
    try (VimSession s = vcsim.session()) {
      ManagedObject source = s.findByInventoryPath("DC0/vm/DC0_C0_RP0_VM0").orElseThrow();
      ManagedObject folder = s.findByInventoryPath(folderPath).orElseThrow();
      ManagedObject pool =
          VimXml.reference(s.properties(source, "resourcePool").get("resourcePool"));
      s.runTask(
          "CloneVM_Task",
          source,
          folder.xml("folder")
              + VimXml.element("name", name)
              + "<spec><location>"
              + pool.xml("pool")
              + "</location><template>false</template><powerOn>false</powerOn></spec>",
          Duration.ofSeconds(30));
      return name;
    }
  }

  private static List<String> snapshotNames(String host) {
    try (VimSession s = vcsim.session()) {
      ManagedObject vm = s.findByInventoryPath("DC0/vm/corral/linked/" + host).orElseThrow();
      var list = s.properties(vm, "snapshot.rootSnapshotList").get("snapshot.rootSnapshotList");
      return list == null
          ? List.of()
          : VimXml.children(list).stream().map(t -> VimXml.text(t, "name").orElse("")).toList();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static boolean hasCorralDisk(String host) {
    try (VimSession s = vcsim.session()) {
      ManagedObject vm = s.findByInventoryPath("DC0/vm/corral/linked/" + host).orElseThrow();
      var devices = s.properties(vm, "config.hardware.device").get("config.hardware.device");
      return VimXml.children(devices).stream()
          .anyMatch(
              d ->
                  "VirtualDisk".equals(VimXml.xsiType(d).orElse(""))
                      && "4194304".equals(VimXml.text(d, "capacityInKB").orElse("")));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
