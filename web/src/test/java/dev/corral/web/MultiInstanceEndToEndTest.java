package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.Db;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import dev.corral.web.temporal.EmbeddedTemporal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two Corral instances on one MariaDB and one Temporal server (the embedded server, run standalone
 * on a loopback port), sharing one simulated hypervisor: 32 clients split across them lease at full
 * speed while a recycler puts leased VMs back; half-way one instance stops and its clients move to
 * the other. No VM may ever be handed to two leases, and the pool must end full.
 */
class MultiInstanceEndToEndTest {
  private static final int SIZE = 200;
  private static final int LEASES = 20_000;
  private static final CorralWorkers.Timings FAST =
      new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50));
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BODY = "{\"vms\": {\"shared\": 1}}".getBytes();

  @Test
  void twoInstances_32Clients_20000Leases_noVmEverInTwoLeases_andStoppingOneLosesNothing()
      throws Exception {
    Path root = TestDirs.fresh("multi");
    String database = TestDatabase.freshDatabaseName();
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start("127.0.0.1", 0)) {
      CorralConfig configA = config(root.resolve("a"), database, temporal.target());
      CorralConfig configB = config(root.resolve("b"), database, temporal.target());
      try (ProviderRegistry hypervisor =
              ProviderRegistry.fromConfig(configA.providers(), root.resolve("shared"));
          Db db =
              Db.connect(
                  TestDatabase.jdbcUrlOf(database),
                  TestDatabase.user(),
                  TestDatabase.password(),
                  2)) {
        CorralApp a = CorralApp.start(configA, FAST, hypervisor, temporal);
        CorralApp b = null;
        try {
          Http httpA = new Http(a.baseUrl());
          httpA.await(
              "/v1/pools",
              Duration.ofSeconds(120),
              pools -> pools.get(0).get("ready").asInt() == SIZE);
          b = CorralApp.start(configB, FAST, hypervisor, temporal);
          Http httpB = new Http(b.baseUrl());

          Recycler recycler = new Recycler(db);
          Thread recycling = new Thread(recycler, "recycler");
          recycling.start();
          Set<String> seenPairs = ConcurrentHashMap.newKeySet();
          Set<String> leaseIds = ConcurrentHashMap.newKeySet();
          AtomicInteger leased = new AtomicInteger();
          AtomicInteger empties = new AtomicInteger();
          List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
          AtomicBoolean aStopped = new AtomicBoolean();
          HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
          List<Thread> clients = new ArrayList<>();
          String urlA = a.baseUrl();
          String urlB = b.baseUrl();
          for (int i = 0; i < 32; i++) {
            boolean onA = i % 2 == 0;
            Thread t =
                new Thread(
                    () -> {
                      while (leased.get() < LEASES && errors.size() < 10) {
                        String base = onA && !aStopped.get() ? urlA : urlB;
                        try {
                          HttpResponse<String> r =
                              client.send(
                                  HttpRequest.newBuilder(URI.create(base + "/v1/leases"))
                                      .timeout(Duration.ofSeconds(30))
                                      .POST(HttpRequest.BodyPublishers.ofByteArray(BODY))
                                      .header("Content-Type", "application/json")
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString());
                          if (r.statusCode() == 201) {
                            JsonNode lease = JSON.readTree(r.body());
                            seenPairs.add(
                                lease.get("vms").get(0).get("name").asText()
                                    + " "
                                    + lease.get("id").asText());
                            if (!leaseIds.add(lease.get("id").asText())) {
                              errors.add("duplicate lease id " + lease.get("id"));
                            }
                            leased.incrementAndGet();
                          } else if (r.statusCode() == 503) {
                            empties.incrementAndGet();
                          } else {
                            errors.add(r.statusCode() + " " + r.body());
                          }
                        } catch (java.io.IOException e) {
                          // Instance A going away mid-request: this client moves to B, the request
                          // counted nothing.
                          if (!(onA && aStopped.get())) {
                            errors.add(base + ": " + e);
                          }
                        } catch (InterruptedException e) {
                          return;
                        }
                      }
                    },
                    "client-" + i);
            t.start();
            clients.add(t);
          }
          long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
          while (leased.get() < LEASES / 2 && System.nanoTime() < deadline && errors.isEmpty()) {
            Thread.sleep(50);
          }
          aStopped.set(true);
          a.close();
          a = null;
          for (Thread t : clients) {
            t.join(Duration.ofMinutes(5).toMillis());
          }
          recycler.stop();
          recycling.join();
          recycler.recycleOnce();

          assertEquals(List.of(), errors);
          assertTrue(leased.get() >= LEASES, "only " + leased.get() + " leases");
          // A VM handed to two leases between two recycles holds only the later lease id in its
          // row, so the
          // earlier (vm, lease) pair a client saw is never recycled: every pair a client saw must
          // come back.
          List<String> neverRecycled =
              seenPairs.stream().filter(p -> !recycler.pairs.contains(p)).limit(10).toList();
          assertEquals(
              List.of(), neverRecycled, "pairs seen by clients but never recycled: double leases");
          assertEquals(leased.get(), seenPairs.size());
          // A stops gracefully: every lease it granted, even while stopping, reached its client.
          int unseen = recycler.pairs.size() - seenPairs.size();
          assertEquals(
              0, unseen, unseen + " leases granted but not seen (" + empties.get() + " x 503)");
          JsonNode pool =
              httpB
                  .await(
                      "/v1/pools",
                      Duration.ofSeconds(60),
                      pools -> pools.get(0).get("ready").asInt() == SIZE)
                  .body()
                  .get(0);
          assertEquals(0, pool.get("leased").asInt(), pool.toString());
        } finally {
          if (a != null) {
            a.close();
          }
          if (b != null) {
            b.close();
          }
        }
      }
    }
  }

  private static CorralConfig config(Path dataDir, String database, String temporal) {
    return ConfigLoader.fromYaml(
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        database: {url: "%s", user: %s, password: "%s"}
        temporal: {address: "%s", namespace: default}
        providers:
          sim: {type: simulated, clone_seconds: 0.02, boot_seconds: 0.02, max_vms: %d, max_concurrent_clones: 50}
        pools:
          - {name: shared, template: t, size: %d, ready_ttl: 24h}
        """
            .formatted(
                dataDir,
                TestDatabase.jdbcUrlOf(database),
                TestDatabase.user(),
                TestDatabase.password(),
                temporal,
                SIZE,
                SIZE),
        "multi.yaml",
        Map.of());
  }

  /**
   * Puts leased VMs back to ready every 10 ms, as a stream of releases would, recording each (vm,
   * lease) pair it takes back. It changes rows the way the claim reads them (FOR UPDATE SKIP
   * LOCKED, then one UPDATE), so it races the claims of both instances like a third writer.
   */
  private static final class Recycler implements Runnable {
    private final Db db;
    private volatile boolean running = true;
    final Set<String> pairs = new HashSet<>();

    Recycler(Db db) {
      this.db = db;
    }

    void stop() {
      running = false;
    }

    @Override
    public void run() {
      while (running) {
        try {
          recycleOnce();
          Thread.sleep(10);
        } catch (InterruptedException e) {
          return;
        } catch (SQLException e) {
          // a deadlock with a claim: the next round takes the rows
        }
      }
    }

    synchronized void recycleOnce() throws SQLException {
      try (Connection c = db.dataSource().getConnection()) {
        List<Long> ids = new ArrayList<>();
        List<String> taken = new ArrayList<>();
        try (PreparedStatement q =
                c.prepareStatement(
                    "SELECT id, name, lease_id FROM vm WHERE pool = 'shared' AND state = 'leased' FOR UPDATE SKIP LOCKED");
            ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
            taken.add(rs.getString(2) + " " + rs.getString(3));
          }
        }
        if (!ids.isEmpty()) {
          StringJoiner in = new StringJoiner(",", "(", ")");
          ids.forEach(id -> in.add(Long.toString(id)));
          try (PreparedStatement u =
              c.prepareStatement(
                  "UPDATE vm SET state = 'ready', lease_id = NULL, leased_at = NULL, "
                      + "ready_at = ?, updated_at = ? WHERE state = 'leased' AND id IN "
                      + in)) {
            Timestamp now = Timestamp.from(Instant.now());
            u.setTimestamp(1, now);
            u.setTimestamp(2, now);
            u.executeUpdate();
          }
        }
        c.commit();
        for (String p : taken) {
          if (!pairs.add(p)) {
            throw new IllegalStateException("pair recycled twice: " + p);
          }
        }
      }
    }
  }
}
