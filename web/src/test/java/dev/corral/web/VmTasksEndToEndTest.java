package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Snapshots, reverts and extra disks on leased VMs over real HTTP, with auth on: vmpooler's v3 and
 * /v1.
 */
class VmTasksEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  static CorralApp app;
  static Http http;
  static String alice;
  static String bob;
  static String root;

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, snapshot_seconds: 0.2, revert_seconds: 0.2,
                disk_seconds: 0.2}
        pools:
          - {name: debian, template: t, size: 2}
        """
            .formatted(TestDirs.fresh("e2e-vmtasks"));
    app = CorralApp.start(ConfigLoader.fromYaml(yaml, "vmtasks.yaml", Map.of()), FAST);
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    bob = http.token("bob", "bob-pw");
    root = http.token("root", "root-pw");
  }

  @BeforeEach
  void awaitFullPool() {
    http.await("/v1/pools", WAIT, pools -> pools.get(0).get("ready").asInt() == 2);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  @Test
  void theOwnerSnapshotsAVm_getShowsTheSnapshotOnceDone_andRevertingToItIsDone() {
    String host = checkout(alice);

    Http.Reply snapshot =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot", null, "X-AUTH-TOKEN", alice);

    assertEquals(202, snapshot.status(), () -> snapshot.body().toString());
    assertTrue(snapshot.body().get("ok").asBoolean());
    String id = snapshot.body().get(host).get("snapshot").asText();
    assertTrue(id.matches("[a-y][a-z0-9]{31}"), "vmpooler's 32-character snapshot id: " + id);
    JsonNode shown =
        http.await("/api/v3/vm/" + host, WAIT, vm -> vm.get(host).get("snapshots").size() == 1)
            .body()
            .get(host);
    assertEquals(List.of(id), texts(shown.get("snapshots")));

    Http.Reply unknown =
        http.send(
            "POST",
            "/api/v3/vm/" + host + "/snapshot/" + "a".repeat(32),
            null,
            "X-AUTH-TOKEN",
            alice);
    assertEquals(404, unknown.status(), () -> unknown.body().toString());
    assertFalse(unknown.body().get("ok").asBoolean());

    Http.Reply revert =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot/" + id, null, "X-AUTH-TOKEN", alice);
    assertEquals(202, revert.status(), () -> revert.body().toString());
    assertEquals("{\"ok\":true}", revert.body().toString());
    JsonNode vm =
        http.await(
                "/v1/vms/" + host,
                WAIT,
                v -> states(v.get("tasks")).equals(List.of("done", "done")))
            .body();
    JsonNode revertTask = vm.get("tasks").get(1);
    assertEquals("revert", revertTask.get("kind").asText());
    assertEquals(id, revertTask.get("snapshot_id").asText());
    assertEquals("alice", revertTask.get("requested_by").asText());
    assertEquals(id, vm.get("snapshots").get(0).get("id").asText());
    assertEquals("done", vm.get("snapshots").get(0).get("state").asText());
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", alice).status());
  }

  @Test
  void aDiskMustBeAWholeNumberOfGbFrom1To2048_andGetShowsItOnceAdded() {
    String host = checkout(alice);
    for (String bad : List.of("0", "abc", "2049", "-1", "8.5")) {
      Http.Reply refused =
          http.send("POST", "/api/v3/vm/" + host + "/disk/" + bad, null, "X-AUTH-TOKEN", alice);
      assertEquals(400, refused.status(), () -> bad + ": " + refused.body());
      assertFalse(refused.body().get("ok").asBoolean());
    }

    Http.Reply disk =
        http.send("POST", "/api/v3/vm/" + host + "/disk/8", null, "X-AUTH-TOKEN", alice);

    assertEquals(202, disk.status(), () -> disk.body().toString());
    assertEquals("+8gb", disk.body().get(host).get("disk").asText());
    JsonNode shown =
        http.await("/api/v3/vm/" + host, WAIT, vm -> vm.get(host).get("disk").size() == 1)
            .body()
            .get(host);
    assertEquals(List.of("+8gb"), texts(shown.get("disk")));
    assertEquals(
        1,
        http.get("/v1/vms/" + host).body().get("tasks").size(),
        "the refused sizes queued nothing");
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", alice).status());
  }

  @Test
  void onlyTheOwnerOrAnAdmin_mayAskForTasks_andOnlyOnALeasedVm() {
    String host = checkout(alice);
    for (String path : List.of("/snapshot", "/snapshot/" + "b".repeat(32), "/disk/8")) {
      assertEquals(
          403,
          http.send("POST", "/api/v3/vm/" + host + path, null, "X-AUTH-TOKEN", bob).status(),
          path);
      Http.Reply anonymous = http.send("POST", "/api/v3/vm/" + host + path, null);
      assertEquals(401, anonymous.status(), path);
      assertFalse(anonymous.body().get("ok").asBoolean());
      assertEquals(
          404,
          http.send("POST", "/api/v3/vm/no-such-vm" + path, null, "X-AUTH-TOKEN", alice).status(),
          path);
    }
    assertEquals(
        403,
        http.send("POST", "/v1/vms/" + host + "/snapshots", null, "X-AUTH-TOKEN", bob).status());
    assertEquals(401, http.send("POST", "/v1/vms/" + host + "/disks", "{\"size_gb\": 8}").status());
    assertEquals(
        0, http.get("/v1/vms/" + host).body().get("tasks").size(), "nothing was queued for them");

    Http.Reply admin =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot", null, "X-AUTH-TOKEN", root);
    assertEquals(202, admin.status(), "an admin may");
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", alice).status());
    Http.Reply released =
        http.send("POST", "/api/v3/vm/" + host + "/snapshot", null, "X-AUTH-TOKEN", alice);
    assertEquals(404, released.status(), "a VM given back is no longer anyone's to snapshot");
    String ready = http.get("/v1/vms?state=ready&limit=1").body().get(0).get("name").asText();
    assertEquals(
        404,
        http.send("POST", "/v1/vms/" + ready + "/snapshots", null, "X-AUTH-TOKEN", root).status(),
        "a ready VM is not leased");
  }

  @Test
  void theNativeApi_queuesSnapshotsRevertsAndDisks_andGetVmListsThemWithTheirStates() {
    String host = checkout(bob);

    Http.Reply snapshot =
        http.send("POST", "/v1/vms/" + host + "/snapshots", null, "X-AUTH-TOKEN", bob);
    assertEquals(202, snapshot.status(), () -> snapshot.body().toString());
    String id = snapshot.body().get("id").asText();
    assertEquals("queued", snapshot.body().get("state").asText());
    Http.Reply revert =
        http.send(
            "POST", "/v1/vms/" + host + "/snapshots/" + id + "/revert", null, "X-AUTH-TOKEN", bob);
    assertEquals(
        202, revert.status(), () -> "a revert may follow the snapshot at once: " + revert.body());
    assertEquals(id, revert.body().get("snapshot_id").asText());
    for (String bad :
        List.of(
            "", "[]", "{\"size_gb\": 0}", "{\"size_gb\": \"8\"}", "{\"size_gb\": 8, \"x\": 1}")) {
      Http.Reply refused =
          http.send("POST", "/v1/vms/" + host + "/disks", bad, "X-AUTH-TOKEN", bob);
      assertEquals(400, refused.status(), () -> bad + ": " + refused.body());
    }
    Http.Reply disk =
        http.send("POST", "/v1/vms/" + host + "/disks", "{\"size_gb\": 16}", "X-AUTH-TOKEN", bob);
    assertEquals(202, disk.status(), () -> disk.body().toString());
    assertEquals(16, disk.body().get("size_gb").asInt());
    Http.Reply unknown =
        http.send("POST", "/v1/vms/" + host + "/snapshots/nope/revert", null, "X-AUTH-TOKEN", bob);
    assertEquals(404, unknown.status());
    assertEquals("unknown_snapshot", unknown.body().get("code").asText());

    JsonNode vm =
        http.await(
                "/v1/vms/" + host,
                WAIT,
                v -> states(v.get("tasks")).equals(List.of("done", "done", "done")))
            .body();
    assertEquals(host, vm.get("name").asText());
    assertEquals("leased", vm.get("state").asText());
    assertEquals(List.of("snapshot", "revert", "disk"), texts(vm.get("tasks"), "kind"));
    assertEquals(List.of(id), texts(vm.get("snapshots"), "id"));
    assertEquals(16, vm.get("disks").get(0).get("size_gb").asInt());
    assertEquals("done", vm.get("disks").get(0).get("state").asText());
    assertEquals(
        List.of("+16gb"), texts(http.get("/api/v3/vm/" + host).body().get(host).get("disk")));
    assertEquals(
        200, http.send("DELETE", "/api/v3/vm/" + host, null, "X-AUTH-TOKEN", bob).status());
  }

  @Test
  void aTaskUnderWayWhenCorralStops_isDoneAfterTheRestart() {
    Path dataDir = TestDirs.fresh("e2e-vmtasks-restart");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, snapshot_seconds: 2}
        pools:
          - {name: debian, template: t, size: 1}
        """
            .formatted(dataDir);
    String host;
    String id;
    try (CorralApp first =
        CorralApp.start(ConfigLoader.fromYaml(yaml, "restart.yaml", Map.of()), FAST)) {
      Http h = new Http(first.baseUrl());
      h.await("/v1/pools", WAIT, pools -> pools.get(0).get("ready").asInt() == 1);
      host =
          h.send("POST", "/api/v3/vm/debian", null).body().get("debian").get("hostname").asText();
      id =
          h.send("POST", "/api/v3/vm/" + host + "/snapshot", null)
              .body()
              .get(host)
              .get("snapshot")
              .asText();
      h.await("/v1/vms/" + host, WAIT, vm -> states(vm.get("tasks")).equals(List.of("running")));
    }

    try (CorralApp again =
        CorralApp.start(ConfigLoader.fromYaml(yaml, "restart.yaml", Map.of()), FAST)) {
      Http h = new Http(again.baseUrl());
      JsonNode vm =
          h.await("/v1/vms/" + host, WAIT, v -> states(v.get("tasks")).equals(List.of("done")))
              .body();
      assertEquals(id, vm.get("snapshots").get(0).get("id").asText());
      assertEquals(
          List.of(id), texts(h.get("/api/v3/vm/" + host).body().get(host).get("snapshots")));
    }
  }

  private static String checkout(String token) {
    Http.Reply reply = http.send("POST", "/api/v3/vm/debian", null, "X-AUTH-TOKEN", token);
    assertEquals(200, reply.status(), () -> reply.body().toString());
    return reply.body().get("debian").get("hostname").asText();
  }

  private static List<String> states(JsonNode tasks) {
    return texts(tasks, "state");
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(item -> out.add(item.get(field).asText()));
    return out;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(item -> out.add(item.asText()));
    return out;
  }
}
