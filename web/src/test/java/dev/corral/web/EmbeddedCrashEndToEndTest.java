package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.store.embedded.DatabaseCredentials;
import dev.corral.activities.testing.TestDirs;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The configuration a new user starts and leaves running: {@code corral serve} with no database or
 * Temporal configured, so with the embedded MariaDB and the embedded Temporal server, as a separate
 * JVM. It is killed the ways a machine kills it (-9 of Corral, of its database, of both, or of
 * Corral and the watchdog that stops its database) in the middle of leasing, and must start cleanly
 * every time and end with full pools, the provider running exactly the VMs the database knows, and
 * every lease a client holds still whole. The Temporal port it logs answers no other process.
 */
class EmbeddedCrashEndToEndTest {
  private static final Duration FIRST_START = Duration.ofSeconds(180);
  private static final Duration RESTART = Duration.ofSeconds(30);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final List<String> POOLS = List.of("alpha", "beta");
  private static final int SIZE = 4;

  private final List<CorralProcess> corrals = new ArrayList<>();
  private final SplittableRandom random = new SplittableRandom(15);

  @AfterEach
  void stop() throws InterruptedException {
    for (CorralProcess p : corrals) {
      p.close();
    }
  }

  private enum Kill {
    CORRAL,
    CORRAL_LEAVING_DATABASE,
    CORRAL_AND_DATABASE
  }

  @Test
  void
      killMinus9OfCorralItsDatabaseOrBoth_underLoad_everyStartIsCleanWithin30s_poolsFull_noLeak_noLostLease()
          throws Exception {
    Setup s = setup("embedded-kill");
    CorralProcess corral = start(s, FIRST_START);
    Load load = new Load(s.http);
    load.start();
    List<Kill> kills =
        List.of(
            Kill.CORRAL,
            Kill.CORRAL_LEAVING_DATABASE,
            Kill.CORRAL_AND_DATABASE,
            Kill.CORRAL_LEAVING_DATABASE,
            Kill.CORRAL);
    for (Kill kill : kills) {
      Thread.sleep(1_000 + random.nextInt(4_000));
      ProcessHandle database = corral.embeddedDatabase().orElseThrow();
      switch (kill) {
        case CORRAL -> corral.kill();
        case CORRAL_LEAVING_DATABASE -> corral.killLeavingDatabase();
        case CORRAL_AND_DATABASE -> corral.killWithDatabase();
      }
      if (kill == Kill.CORRAL) {
        // The watchdog stops the database of a dead JVM: it never outlives the Corral that started
        // it.
        assertTrue(
            exits(database, Duration.ofSeconds(30)),
            "the embedded MariaDB outlived Corral's JVM by 30 s");
      }
      long started = System.nanoTime();
      corral = start(s, RESTART);
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMs < RESTART.toMillis(), "restart after " + kill + " took " + tookMs + " ms");
      assertTrue(
          !database.isAlive(),
          "the server left by the killed Corral was stopped before the new one started");
    }
    load.awaitLeases(100, SETTLE);
    load.stop();

    assertEndState(s, load);
  }

  @Test
  void killMinus9OfTheEmbeddedDatabase_underLoad_isHealed_neverA500_andEveryLoopGoesOn()
      throws Exception {
    Setup s = setup("embedded-db-kill");
    CorralProcess corral = start(s, FIRST_START);
    Load load = new Load(s.http);
    load.start();
    for (int kill = 1; kill <= 3; kill++) {
      Thread.sleep(1_000 + random.nextInt(3_000));
      corral.embeddedDatabase().orElseThrow().destroyForcibly();
      int restarts = kill;
      s.http.await(
          "/health/ready",
          SETTLE,
          ready ->
              ready.get("status").asText().equals("up")
                  && ready.get("embedded_database").get("restarts").asInt() == restarts);
    }
    load.awaitLeases(100, SETTLE);
    load.stop();

    JsonNode ready = s.http.get("/health/ready").body();
    assertEquals("running", ready.get("embedded_database").get("state").asText());
    assertTrue(
        ready.get("embedded_database").get("last_exit").asText().startsWith("killed by signal 9"),
        ready::toString);
    String metrics = s.http.page("/metrics").body();
    assertTrue(
        metrics.contains("corral_embedded_database_restarts_total 3.0"),
        "the restarts are counted");
    assertTrue(metrics.contains("corral_database_up 1.0"));
    assertEndState(s, load);
    // The shepherds outlived the outages: the whole stock leased at once is made again.
    Http.Reply all = s.http.post("/v1/leases", "{\"vms\": {\"alpha\": " + SIZE + "}}");
    assertEquals(201, all.status(), all.body()::toString);
    s.http.await(
        "/v1/pools", SETTLE, pools -> Http.pool(pools, "alpha").get("ready").asInt() == SIZE);
  }

  @Test
  void thePortsItLogs_refuseAnotherProcess_andTheDatabasePasswordIsNowhereInTheLog()
      throws Exception {
    Setup s = setup("embedded-ports");
    start(s, FIRST_START);
    String log = Files.readString(s.root.resolve("corral.log"));
    Matcher database = Pattern.compile("embedded MariaDB up on 127.0.0.1:(\\d+)").matcher(log);
    assertTrue(database.find(), "Corral logs where its database listens");
    String url = "jdbc:mysql://127.0.0.1:" + database.group(1) + "/corral";
    DatabaseCredentials credentials =
        DatabaseCredentials.read(s.root.resolve("data").resolve("mariadb"));
    assertFalse(log.contains(credentials.password()), "the database password is in Corral's log");
    for (String user : List.of("root", credentials.user(), "anyone")) {
      assertThrows(
          SQLException.class, () -> DriverManager.getConnection(url, user, "").close(), user);
    }
    DriverManager.getConnection(url, credentials.user(), credentials.password()).close();
    Matcher logged = Pattern.compile("embedded Temporal server on (\\S+)").matcher(log);
    assertTrue(logged.find(), "Corral logs where its Temporal server listens");
    WorkflowServiceStubs stranger =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(logged.group(1)).build());
    try {
      StatusRuntimeException refused =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  stranger
                      .blockingStub()
                      .listOpenWorkflowExecutions(
                          ListOpenWorkflowExecutionsRequest.newBuilder()
                              .setNamespace("default")
                              .build()));
      assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
    } finally {
      stranger.shutdownNow();
    }
  }

  private static boolean exits(ProcessHandle process, Duration within) {
    try {
      process.onExit().get(within.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private CorralProcess start(Setup s, Duration within) throws Exception {
    CorralProcess corral =
        CorralProcess.start(s.config, s.root.resolve("corral.log")).awaitUp(s.http, within);
    corrals.add(corral);
    return corral;
  }

  private static void assertEndState(Setup s, Load load) throws InterruptedException {
    assertEquals(List.of(), load.errors, "replies other than 201, 200 and 503");
    assertTrue(
        load.leases.get() > 50,
        "too little load to prove anything: "
            + load.leases.get()
            + " leases, "
            + load.databaseUnavailable.get()
            + " answers 503 database_unavailable, "
            + load.poolEmpty.get()
            + " pool_empty");
    LiveVms.awaitPoolsFullAndNoLeak(s.http, POOLS, SIZE, SETTLE, load.leases.get() + " leases");
    // No lost lease: every lease a client was granted and still holds is active with its VM leased
    // to it, and
    // every one it released is released.
    assertTrue(!load.held.isEmpty(), "the clients hold leases across the kills");
    for (Map.Entry<String, String> held : load.held.entrySet()) {
      JsonNode lease = s.http.get("/v1/leases/" + held.getKey()).body();
      assertEquals("active", lease.get("state").asText(), lease::toString);
      assertEquals(held.getValue(), lease.get("vms").get(0).get("name").asText());
      assertEquals("leased", s.http.get("/v1/vms/" + held.getValue()).body().get("state").asText());
    }
    for (String released : load.released) {
      assertEquals(
          "released", s.http.get("/v1/leases/" + released).body().get("state").asText(), released);
    }
  }

  private record Setup(Path root, Path config, Http http) {}

  /**
   * No database and no temporal section: the embedded default, as {@code corral serve} runs with no
   * config.
   */
  private static Setup setup(String prefix) throws Exception {
    Path root = Files.createDirectories(TestDirs.fresh(prefix));
    int port = CorralProcess.freePort();
    Path config = root.resolve("corral.yaml");
    Files.writeString(
        config,
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: %d}
        providers:
          sim: {type: simulated, clone_seconds: [0.05, 0.3], boot_seconds: [0.05, 0.3], max_vms: 60,
                max_concurrent_clones: 10}
        pools:
          - {name: alpha, template: t, size: %d}
          - {name: beta, template: t, size: %d}
        """
            .formatted(root.resolve("data"), port, SIZE, SIZE));
    return new Setup(root, config, new Http("http://127.0.0.1:" + port));
  }

  /**
   * 8 clients lease one VM, hold it a moment and release it, again; client 0 keeps every third
   * lease, so leases are held across the kills. A request that Corral's death cuts off has an
   * unknown outcome and is not counted.
   */
  private static final class Load {
    final AtomicInteger leases = new AtomicInteger();
    final AtomicInteger databaseUnavailable = new AtomicInteger();
    final AtomicInteger poolEmpty = new AtomicInteger();
    final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    /** Lease id to its VM, for leases granted and not released. */
    final Map<String, String> held = new ConcurrentHashMap<>();

    final Set<String> released = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final Http http;

    Load(Http http) {
      this.http = http;
    }

    void start() {
      for (int i = 0; i < 8; i++) {
        int client = i;
        SplittableRandom r = new SplittableRandom(i);
        Thread t =
            new Thread(
                () -> {
                  int mine = 0;
                  while (running.get()) {
                    try {
                      Http.Reply lease =
                          http.post(
                              "/v1/leases", "{\"vms\": {\"" + POOLS.get(r.nextInt(2)) + "\": 1}}");
                      if (lease.status() == 201) {
                        leases.incrementAndGet();
                        String id = lease.body().get("id").asText();
                        held.put(id, lease.body().get("vms").get(0).get("name").asText());
                        if (client == 0 && mine++ % 3 == 0 && held.size() < 4) {
                          continue;
                        }
                        Thread.sleep(r.nextInt(300));
                        release(id);
                      } else {
                        expect503(lease);
                        Thread.sleep(50);
                      }
                    } catch (IllegalStateException down) {
                      // Corral is being killed or restarting.
                      pause(200);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                },
                "crash-client-" + i);
        t.start();
        threads.add(t);
      }
    }

    /**
     * Releases until Corral answers 200; a release cut off by a kill leaves the lease's outcome
     * unknown.
     */
    private void release(String id) throws InterruptedException {
      while (true) {
        Http.Reply reply;
        try {
          reply = http.delete("/v1/leases/" + id);
        } catch (IllegalStateException down) {
          held.remove(id);
          return;
        }
        if (reply.status() == 200) {
          held.remove(id);
          released.add(id);
          return;
        }
        expect503(reply);
        Thread.sleep(100);
      }
    }

    private void expect503(Http.Reply reply) {
      String code = reply.body() == null ? "" : reply.body().path("code").asText();
      if (reply.status() == 503 && code.equals("database_unavailable")) {
        databaseUnavailable.incrementAndGet();
      } else if (reply.status() == 503 && code.equals("pool_empty")) {
        poolEmpty.incrementAndGet();
      } else if (reply.status() != 503 || !code.equals("pool_empty")) {
        if (errors.size() < 10) {
          errors.add(reply.status() + " " + reply.body());
        }
      }
    }

    /**
     * Goes on until the clients were granted {@code count} leases in all, so the end state follows
     * real load.
     */
    void awaitLeases(int count, Duration within) throws InterruptedException {
      long deadline = System.nanoTime() + within.toNanos();
      while (leases.get() < count && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread t : threads) {
        t.join(30_000);
      }
    }

    private static void pause(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
