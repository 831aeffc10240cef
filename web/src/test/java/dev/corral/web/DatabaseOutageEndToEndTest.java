package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.workflows.WorkflowIds;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A database outage longer than every activity's timeout (30 s), with work of every kind under way:
 * the pool shepherds, VM workflows cloning, a waiting lease, a template build mid-chain, a VM task,
 * the tracker and the reconciler. Meanwhile the API answers 503 {@code database_unavailable} with
 * Retry-After, never 500; afterwards every loop carries on by itself and every piece of work ends
 * as it would have without the outage.
 *
 * <p>The database is a MariaDB of this test's own (the shared test server serves every other test),
 * given to Corral as an external database, the way production runs; the embedded Temporal server is
 * Corral's own.
 */
class DatabaseOutageEndToEndTest {
  private static final Duration OUTAGE = Duration.ofSeconds(40);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));

  @Test
  void everyLoopOutlivesAnOutageLongerThanTheActivityTimeouts_andTheApiAnswers503Meanwhile()
      throws Exception {
    Path root = Files.createDirectories(TestDirs.fresh("outage"));
    Path builds = root.resolve("builds.yaml");
    writeBuilds(builds, 1);
    try (EmbeddedMariaDb database = EmbeddedMariaDb.start(root.resolve("mariadb"))) {
      String yaml =
          """
          data_dir: %s
          server: {host: 127.0.0.1, port: 0}
          database: {url: "%s", user: %s, password: "%s"}
          template_groups:
            debian-12: {keep_prepared: 5}
          tracker:
            interval: 2s
            sources: [{file: %s}]
          reconcile: {tick: 2s}
          providers:
            sim: {type: simulated, clone_seconds: 1, boot_seconds: 1, step_seconds: 2, snapshot_seconds: 8,
                  max_vms: 30, max_concurrent_clones: 10, max_concurrent_builds: 2}
          pools:
            - {name: plain, template: t, size: 3, max_tries: 3}
            - {name: prepared, template: {group: debian-12, version: latest, prepared: true}, size: 1}
          """
              .formatted(
                  root.resolve("data"),
                  database.jdbcUrl(),
                  database.user(),
                  database.password(),
                  builds);
      try (CorralApp app =
          CorralApp.start(ConfigLoader.fromYaml(yaml, "outage.yaml", Map.of()), FAST)) {
        Http http = new Http(app.baseUrl());
        WorkflowClient temporal = app.workflowClient();
        http.await(
            "/v1/pools",
            SETTLE,
            pools -> ready(pools, "plain") == 3 && ready(pools, "prepared") == 1);

        // Work of every kind under way when the database goes: a build 12 s long (6 steps of 2
        // s)...
        writeBuilds(builds, 2);
        assertEquals(202, http.post("/v1/tracker/poll", "").status());
        http.await(
            "/v1/builds?group=debian-12",
            SETTLE,
            all -> state(all, "debian-12-b2").equals("running"));
        // ...a lease whose VM then takes a snapshot of 8 s...
        Http.Reply held = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
        assertEquals(201, held.status(), held.body()::toString);
        String heldVm = held.body().get("vms").get(0).get("name").asText();
        Http.Reply snapshot = http.post("/v1/vms/" + heldVm + "/snapshots", "");
        assertEquals(202, snapshot.status(), snapshot.body()::toString);
        String taskId = snapshot.body().get("id").asText();
        // ...a lease that waits for more VMs than are ready, and the clones that the shepherd
        // starts for it.
        Http.Reply waiting =
            http.post("/v1/leases", "{\"vms\": {\"plain\": 4}, \"wait\": \"10m\"}");
        assertEquals(202, waiting.status(), waiting.body()::toString);
        String waitingId = waiting.body().get("id").asText();
        Thread.sleep(500);

        database.stopServer();
        long outageEnds = System.nanoTime() + OUTAGE.toNanos();
        Http.Reply lease = http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}");
        assertEquals(
            503, lease.status(), () -> "a lease while the database is away: " + lease.body());
        assertEquals(
            "database_unavailable", lease.body().get("code").asText(), lease.body()::toString);
        assertEquals("5", lease.headers().firstValue("Retry-After").orElse(null));
        long started = System.nanoTime();
        Http.Reply pools = http.get("/v1/pools");
        assertEquals(503, pools.status(), pools.body()::toString);
        assertEquals("database_unavailable", pools.body().get("code").asText());
        assertTrue(
            System.nanoTime() - started < Duration.ofSeconds(2).toNanos(),
            "a 503 is immediate while it is known");
        Http.Reply health = http.get("/health/ready");
        assertEquals(503, health.status());
        assertTrue(
            health.body().get("checks").get("database").asText().startsWith("down"),
            health.body()::toString);
        // Monitoring keeps working, and says what is wrong; the dashboard says it too, and reloads.
        Http.Page metrics = http.page("/metrics");
        assertEquals(200, metrics.status());
        assertTrue(metrics.body().contains("corral_database_up 0.0"), "the outage is a metric");
        Http.Page dashboard = http.page("/");
        assertEquals(503, dashboard.status());
        assertTrue(dashboard.body().contains("The database is unavailable"), dashboard.body());
        assertTrue(
            dashboard.body().contains("http-equiv=\"refresh\""), "the page reloads by itself");
        Thread.sleep(Math.max(0, (outageEnds - System.nanoTime()) / 1_000_000));
        Instant back = Instant.now();
        database.restart();

        http.await("/health/ready", SETTLE, h -> h.get("status").asText().equals("up"));
        // The waiting lease got its four VMs; the held VM's snapshot is done; the build went on to
        // succeed.
        http.await(
            "/v1/leases/" + waitingId, SETTLE, l -> l.get("state").asText().equals("active"));
        http.await("/v1/vms/" + heldVm, SETTLE, vm -> taskState(vm, taskId).equals("done"));
        http.await(
            "/v1/builds?group=debian-12",
            SETTLE,
            all -> state(all, "debian-12-b2").equals("succeeded"));
        // The shepherds are alive: both pools full again, the prepared one from the new build.
        http.await(
            "/v1/pools",
            SETTLE,
            p ->
                ready(p, "plain") == 3
                    && provisioning(p, "plain") == 0
                    && ready(p, "prepared") == 1);
        http.await(
            "/v1/vms?pool=prepared&state=ready",
            SETTLE,
            vms -> vms.size() == 1 && vms.get(0).get("template").asText().contains("b2"));
        // The tracker is alive: a build added now is found by its next poll (every 2 s) and built.
        writeBuilds(builds, 3);
        http.await(
            "/v1/builds?group=debian-12",
            SETTLE,
            all -> state(all, "debian-12-b3").equals("succeeded"));
        // The reconciler is alive: it passed again after the database came back.
        http.await(
            "/v1/reconcile",
            SETTLE,
            r -> {
              JsonNode last = r.get("providers").get(0).get("last_pass_at");
              return last.isTextual() && Instant.parse(last.asText()).isAfter(back);
            });

        // No VM failed and no try was spent on the outage: a database away is not a provider
        // failing.
        assertEquals(
            0,
            http.get("/v1/vms?state=failed").body().size(),
            () -> http.get("/v1/vms?state=failed").body().toString());
        for (JsonNode vm : http.get("/v1/vms?limit=1000").body()) {
          assertEquals(0, vm.path("attempts").asInt(0), () -> "a try was counted against " + vm);
        }
        for (String id :
            List.of(
                WorkflowIds.shepherd("plain"),
                WorkflowIds.shepherd("prepared"),
                WorkflowIds.tracker(),
                WorkflowIds.reconcile("sim"))) {
          assertEquals(
              WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING, status(temporal, id), id);
        }
        assertEquals(
            201,
            http.post("/v1/leases", "{\"vms\": {\"plain\": 1}}").status(),
            "leases work again");
      }
    }
  }

  private static WorkflowExecutionStatus status(WorkflowClient temporal, String workflowId) {
    return temporal.newUntypedWorkflowStub(workflowId).describe().getStatus();
  }

  private static void writeBuilds(Path file, int count) throws Exception {
    StringBuilder doc = new StringBuilder("builds:\n");
    for (int i = 1; i <= count; i++) {
      doc.append("  - {group: debian-12, name: debian-12-b")
          .append(i)
          .append(", version: \"12.")
          .append(i)
          .append("\", date: ")
          .append(LocalDate.now(ZoneOffset.UTC))
          .append(", ga: true, usable: true, providers: [sim]}\n");
    }
    Files.writeString(file, doc);
  }

  private static int ready(JsonNode pools, String pool) {
    return Http.pool(pools, pool).get("ready").asInt();
  }

  private static int provisioning(JsonNode pools, String pool) {
    return Http.pool(pools, pool).get("provisioning").asInt();
  }

  /** The state of the build of {@code sourceTemplate}, or "" while there is none. */
  private static String state(JsonNode builds, String sourceTemplate) {
    for (JsonNode build : builds) {
      if (build.path("source_template").asText().equals(sourceTemplate)) {
        return build.get("state").asText();
      }
    }
    return "";
  }

  private static String taskState(JsonNode vm, String taskId) {
    for (JsonNode task : vm.path("tasks")) {
      if (task.get("id").asText().equals(taskId)) {
        return task.get("state").asText();
      }
    }
    return "";
  }
}
