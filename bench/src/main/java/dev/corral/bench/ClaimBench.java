package dev.corral.bench;

// A benchmark is one scenario read top to bottom (setup, load, figures); its parts are used nowhere
// else, so
// it stays one file although it is over 400 lines.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PoolShortException;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.config.CorralConfig;
import dev.corral.web.BenchApps;
import dev.corral.web.CorralApp;
import dev.corral.workflows.WorkflowIds;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * Lease claim throughput and latency over real HTTP, for pools of 100, 1,000 and 10,000 ready VMs.
 *
 * <p>Per size: seed N ready VMs (in the database and, running, in the simulated provider: the
 * reconciler retires a VM its provider lacks), start the whole app (embedded MariaDB + Temporal +
 * API) with pool {@code bench} of size N on provider {@code sim} with {@code max_vms: N} (leased
 * VMs count against max_vms, so the shepherd can never provision; the seeded VMs are not surplus
 * and ready_ttl is 24h, so it never retires any), then 16 client threads POST /v1/leases
 * {"vms":{"bench":1}} back to back over keep-alive connections: a warm-up (30 s by default, see
 * main), then a measured window (10 s). A recycler thread puts leased VMs back to ready every ~10
 * ms (--recycle-ms), recording which lease each VM held, so the pool stays at ~N ready.
 *
 * <p>Usage: {@code ClaimBench [--warmup S] [--duration S] [--clients C] [--quiet-wait S]
 * [--jdbc-params P] [--direct] [--recycle-ms MS] SIZE...} (default 100 1000 10000); run.sh runs one
 * JVM per size so that no size inherits another's JIT warm-up.
 *
 * <p>Analysis options. {@code --jdbc-params} is an experiment: the bench starts the embedded
 * MariaDB itself and hands Corral an external JDBC URL with these extra Connector/J parameters
 * (e.g. {@code useLocalSessionState=true&cachePrepStmts=true}), to measure a driver setting without
 * code changes. {@code --direct} makes the clients call {@code LeaseStore.claim} in-process instead
 * of POSTing, which splits the cost of the database path from that of HTTP, JSON and Jetty. {@code
 * --no-shepherd} terminates the pool's shepherd after start, to measure what the planning passes
 * that every lease's nudge triggers cost (the provider is full, so they can do nothing).
 */
public final class ClaimBench {
  private static final String POOL = "bench";
  private static final String PROVIDER = "sim";

  /**
   * How often the recycler puts leased VMs back. It stands in for a steady stream of releases: at
   * ~1,000 leases/s a 50 ms batch takes half of a 100-VM pool between two recycles, so small pools
   * need it shorter.
   */
  private static long recycleEveryMs = 10;

  private static final byte[] BODY =
      ("{\"vms\":{\"" + POOL + "\":1}}").getBytes(StandardCharsets.UTF_8);

  public static void main(String[] args) throws Exception {
    // HttpURLConnection keeps at most 5 idle connections per host by default; 16 clients need 16.
    System.setProperty("http.maxConnections", "64");
    // 30 s, not 3: at a few hundred requests per second the JIT is still compiling the request path
    // after 10 s (the C2 compiler thread still used ~0.2 cores at 50 s), and a 5 s warm-up measures
    // ~30 % less.
    double warmupS =
        90; // the JIT needs over 30 s to settle on 2 busy cores since metrics and logs joined the
    // path
    long quietWaitS = 180;
    String jdbcParams = null;
    boolean direct = false;
    boolean noShepherd = false;
    boolean v3 = false;
    double durationS = 10;
    int clients = 16;
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--warmup" -> warmupS = Double.parseDouble(args[++i]);
        case "--duration" -> durationS = Double.parseDouble(args[++i]);
        case "--clients" -> clients = Integer.parseInt(args[++i]);
        case "--quiet-wait" -> quietWaitS = Long.parseLong(args[++i]);
        case "--jdbc-params" -> jdbcParams = args[++i];
        case "--direct" -> direct = true;
        case "--no-shepherd" -> noShepherd = true;
        case "--recycle-ms" -> recycleEveryMs = Long.parseLong(args[++i]);
        case "--api" ->
            v3 =
                switch (args[++i]) {
                  case "v1" -> false;
                  case "v3" -> true;
                  default ->
                      throw new IllegalArgumentException("--api takes v1 or v3, not " + args[i]);
                };
        default -> sizes.add(Integer.parseInt(args[i].replace("_", "").replace(",", "")));
      }
    }
    if (sizes.isEmpty()) {
      sizes = List.of(100, 1_000, 10_000);
    }
    BenchSupport.watchdog(
        "ClaimBench", 120L + sizes.size() * (long) (150 + quietWaitS + warmupS + durationS));
    System.out.printf(
        "ClaimBench: %d clients, warm-up %.0f s, measured %.0f s, recycle every %d ms; "
            + "%d cores, max heap %d MB, Java %s%n",
        clients,
        warmupS,
        durationS,
        recycleEveryMs,
        Runtime.getRuntime().availableProcessors(),
        BenchSupport.availableMemoryMb(),
        System.getProperty("java.version"));
    int failures = 0;
    for (int size : sizes) {
      if (!new ClaimBench(
              size, clients, warmupS, durationS, quietWaitS, jdbcParams, direct, noShepherd, v3)
          .run()) {
        failures++;
      }
    }
    System.exit(failures == 0 ? 0 : 1);
  }

  private final int size;
  private final int clients;
  private final double warmupS;
  private final double durationS;
  private final long quietWaitS;

  /**
   * Null: the embedded database exactly as production runs it. Else an experiment, see main's doc.
   */
  private final String jdbcParams;

  /**
   * Analysis only: call LeaseStore.claim in-process instead of going through HTTP, to split the
   * costs.
   */
  private final boolean direct;

  /** Analysis only: terminate the pool's shepherd after start, to measure what its passes cost. */
  private final boolean noShepherd;

  /**
   * Check out through vmpooler's {@code POST /api/v3/vm/<pool>} instead of {@code POST /v1/leases}.
   * Its reply names the VM but not the lease, so the double-lease check counts per VM: every 200
   * handing out VM x must be matched by its own recycle of x.
   */
  private final boolean v3;

  private ClaimBench(
      int size,
      int clients,
      double warmupS,
      double durationS,
      long quietWaitS,
      String jdbcParams,
      boolean direct,
      boolean noShepherd,
      boolean v3) {
    this.v3 = v3;
    this.direct = direct;
    this.noShepherd = noShepherd;
    this.quietWaitS = quietWaitS;
    this.jdbcParams = jdbcParams;
    this.size = size;
    this.clients = clients;
    this.warmupS = warmupS;
    this.durationS = durationS;
  }

  private boolean run() throws Exception {
    String label =
        "size "
            + size
            + (jdbcParams == null ? "" : ", jdbc " + jdbcParams)
            + (direct ? ", DIRECT LeaseStore.claim without HTTP" : "")
            + (noShepherd ? ", NO SHEPHERD (terminated after start)" : "")
            + (v3 ? ", vmpooler API v3 checkout" : "");
    Path dataDir = BenchSupport.freshDir("claim-" + size);
    CorralConfig config = BenchSupport.config(dataDir, POOL, size, size, 10, "1", "1");
    long t = System.nanoTime();
    EmbeddedMariaDb ownDb = null;
    if (jdbcParams != null) {
      // Experiment: the same embedded MariaDB, but started here and given to Corral as an external
      // JDBC
      // URL with extra driver parameters, to measure a driver setting without changing Corral's
      // code.
      ownDb = EmbeddedMariaDb.start(dataDir.resolve("mariadb"));
      config = BenchSupport.withJdbcUrl(config, ownDb.jdbcUrl() + "?" + jdbcParams, ownDb.user());
    }
    BenchSupport.seedReadyVms(config, POOL, PROVIDER, size);
    BenchSupport.seedProviderVms(
        config,
        PROVIDER,
        java.util.stream.IntStream.range(0, size)
            .mapToObj(i -> BenchSupport.seedName(POOL, i))
            .toList());
    System.out.printf(
        "[%s] seeded %d ready VMs in %.1f s%n", label, size, (System.nanoTime() - t) / 1e9);
    t = System.nanoTime();
    try (EmbeddedMariaDb closeLast = ownDb;
        CorralApp app = CorralApp.start(config)) {
      System.out.printf(
          "[%s] CorralApp started in %.1f s on %s%n",
          label, (System.nanoTime() - t) / 1e9, app.baseUrl());
      Map<String, Long> before = stateCounts(app);
      if (noShepherd) {
        terminateShepherd(app, label);
      }
      BenchSupport.waitForQuiet(label, 0.25, quietWaitS);
      URL leases = new URL(app.baseUrl() + "/v1/leases");
      URL checkout = new URL(app.baseUrl() + "/api/v3/vm/" + POOL);

      LeaseLoad.Recycler recycler =
          new LeaseLoad.Recycler(app.db(), POOL, recycleEveryMs, "size " + size);
      Thread recyclerThread = new Thread(recycler, "bench-recycler");
      recyclerThread.setDaemon(true);
      recyclerThread.start();

      LeaseLoad.ClientLog[] logs = new LeaseLoad.ClientLog[clients];
      Thread[] threads = new Thread[clients];
      CountDownLatch go = new CountDownLatch(1);
      long start = System.nanoTime();
      long warmupEnd = start + (long) (warmupS * 1e9);
      long end = warmupEnd + (long) (durationS * 1e9);
      for (int i = 0; i < clients; i++) {
        LeaseLoad.ClientLog log = new LeaseLoad.ClientLog();
        logs[i] = log;
        LeaseStore store = new LeaseStore(app.db());
        threads[i] =
            new Thread(
                () ->
                    LeaseLoad.client(
                        direct
                            ? () -> claimDirect(store)
                            : v3
                                ? () -> checkoutV3(checkout)
                                : () -> BenchSupport.post(leases, BODY),
                        log,
                        go,
                        () -> end),
                "bench-client-" + i);
        threads[i].start();
      }
      go.countDown();
      // CPU of this JVM (app + clients) and of mariadbd over the measured window only.
      Thread.sleep(Math.max(0, (warmupEnd - System.nanoTime()) / 1_000_000));
      BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
      Map<String, Long> status0 = serverStatus(app);
      Recording profile = startProfile();
      Thread.sleep(Math.max(0, (end - System.nanoTime()) / 1_000_000));
      BenchSupport.Cpu cpu1 = BenchSupport.Cpu.now();
      Map<String, Long> status1 = serverStatus(app);
      stopProfile(profile);
      for (Thread th : threads) {
        th.join();
      }
      recycler.stop();
      recyclerThread.join();
      recycler.recycleOnce(); // the leases still held when the clients stopped
      Map<String, Long> after = stateCounts(app);
      Map<String, Long> statements = new TreeMap<>();
      status1.forEach((k, v) -> statements.put(k, v - status0.getOrDefault(k, 0L)));
      return report(
          label, logs, warmupEnd, end, recycler, before, after, cpu1.coresSince(cpu0), statements);
    }
  }

  /** The same claim the API makes, minus HTTP, JSON and the nudge; answers like the API would. */
  private static BenchSupport.Response claimDirect(LeaseStore store) {
    String id = UUID.randomUUID().toString();
    try {
      LeaseStore.Lease lease =
          store.claim(id, null, Map.of(POOL, 1), Instant.now(), Duration.ofHours(2));
      return new BenchSupport.Response(
          201,
          "{\"id\":\"" + id + "\",\"vms\":[{\"name\":\"" + lease.vms().get(0).name() + "\"}]}");
    } catch (PoolShortException e) {
      return new BenchSupport.Response(503, e.getMessage());
    }
  }

  private static final java.util.concurrent.atomic.AtomicLong V3_CHECKOUTS =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Shared by the clients: a new ObjectMapper per reply (built and warmed per checkout) charged the
   * v3 run CPU the /v1 run never paid.
   */
  private static final ObjectMapper V3_REPLIES = new ObjectMapper();

  /**
   * A vmpooler checkout, answered in the shape the report reads (a 201 naming one VM) when it
   * succeeds.
   */
  private static BenchSupport.Response checkoutV3(URL checkout) throws IOException {
    BenchSupport.Response r = BenchSupport.post(checkout, new byte[0]);
    if (r.status() != 200) {
      return r;
    }
    String host = V3_REPLIES.readTree(r.body()).get(POOL).get("hostname").asText();
    return new BenchSupport.Response(
        201,
        "{\"id\":\"v3-"
            + V3_CHECKOUTS.incrementAndGet()
            + "\",\"vms\":[{\"name\":\""
            + host
            + "\"}]}");
  }

  /**
   * Terminates the pool's shepherd workflow on the embedded Temporal server. Nudges then hit a
   * missing workflow: a cheap NOT_FOUND instead of a planning pass.
   */
  private static void terminateShepherd(CorralApp app, String label) {
    BenchApps.workflowClient(app)
        .newUntypedWorkflowStub(WorkflowIds.shepherd(POOL))
        .terminate("bench --no-shepherd");
    System.out.printf("[%s] shepherd of pool %s terminated%n", label, POOL);
  }

  /** With -Dbench.jfr=FILE: a JFR recording ("profile" settings) of exactly the measured window. */
  private static Recording startProfile() throws Exception {
    String file = System.getProperty("bench.jfr");
    if (file == null || file.isBlank()) {
      return null;
    }
    Recording r = new Recording(Configuration.getConfiguration("profile"));
    r.setDestination(Path.of(file));
    r.start();
    return r;
  }

  private static void stopProfile(Recording r) throws Exception {
    if (r != null) {
      r.stop();
      r.close();
      System.out.println(
          "JFR recording of the measured window: " + System.getProperty("bench.jfr"));
    }
  }

  /** Server-side command counters: how many round trips and statements the window cost. */
  private static Map<String, Long> serverStatus(CorralApp app) throws SQLException {
    Map<String, Long> status = new TreeMap<>();
    try (Connection c = app.db().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_select', "
                    + "'Com_insert', 'Com_update', 'Com_set_option', 'Com_commit', 'Com_rollback', 'Handler_read_next', "
                    + "'Handler_read_key', 'Innodb_rows_read', 'Innodb_data_fsyncs', 'Innodb_os_log_fsyncs')")) {
      while (rs.next()) {
        status.put(rs.getString(1), rs.getLong(2));
      }
      c.commit();
    }
    return status;
  }

  private static Map<String, Long> stateCounts(CorralApp app) throws SQLException {
    return BenchSupport.vmStates(app, POOL);
  }

  private boolean report(
      String label,
      LeaseLoad.ClientLog[] logs,
      long from,
      long to,
      LeaseLoad.Recycler recycler,
      Map<String, Long> before,
      Map<String, Long> after,
      double[] cores,
      Map<String, Long> statements) {
    ObjectMapper json = new ObjectMapper();
    long ok = 0;
    long empty = 0;
    long other = 0;
    long okAll = 0;
    long emptyAll = 0;
    long otherAll = 0;
    List<String> errors = new ArrayList<>();
    long[] lat = new long[0];
    int nLat = 0;
    for (LeaseLoad.ClientLog log : logs) {
      errors.addAll(log.errors);
      for (int i = 0; i < log.n; i++) {
        int code = log.status[i];
        boolean inWindow = log.endNanos[i] > from && log.endNanos[i] <= to;
        if (code == 201) {
          okAll++;
        } else if (code == 503) {
          emptyAll++;
        } else {
          otherAll++;
        }
        if (!inWindow) {
          continue;
        }
        if (code == 201) {
          ok++;
          if (nLat == lat.length) {
            lat = Arrays.copyOf(lat, Math.max(1024, nLat * 2));
          }
          lat[nLat++] = log.latencyNanos[i];
        } else if (code == 503) {
          empty++;
        } else {
          other++;
        }
      }
    }
    long[] sorted = Arrays.copyOf(lat, nLat);
    Arrays.sort(sorted);
    double seconds = (to - from) / 1e9;

    // Double-lease check over every 201 of the run (warm-up included).
    Set<String> leaseIds = new HashSet<>();
    long duplicateLeaseIds = 0;
    long doubleLeases = 0;
    long badBodies = 0;
    Map<String, Integer> perVm = new HashMap<>();
    for (LeaseLoad.ClientLog log : logs) {
      for (String body : log.leaseBodies) {
        try {
          JsonNode lease = json.readTree(body);
          String id = lease.get("id").asText();
          if (!leaseIds.add(id)) {
            duplicateLeaseIds++;
          }
          JsonNode vms = lease.get("vms");
          if (vms == null || vms.size() != 1) {
            badBodies++;
            continue;
          }
          String vm = vms.get(0).get("name").asText();
          perVm.merge(vm, 1, Integer::sum);
          // Every VM a 201 handed out must later be recycled from exactly that lease. If the same
          // VM had
          // been given to a second lease before the recycle (two concurrently active leases sharing
          // it),
          // the row would hold only the second lease id and the first pair would never be recycled.
          if (!v3 && !recycler.recycledPairs.contains(vm + " " + id)) {
            doubleLeases++;
          }
        } catch (Exception e) {
          badBodies++;
        }
      }
    }
    if (v3) {
      for (Map.Entry<String, Integer> handedOut : perVm.entrySet()) {
        doubleLeases +=
            Math.max(
                0,
                handedOut.getValue() - recycler.recycledPerVm.getOrDefault(handedOut.getKey(), 0));
      }
    }
    long pairsNotFromA201 = recycler.recycledRows - (okAll - doubleLeases);

    System.out.printf(
        "[%s] vm states before: %s, after (all recycled): %s%n", label, before, after);
    System.out.printf(
        "[%s] recycler: %d recycles, %d VMs recycled, largest batch %d, mean %.1f ms, max %.1f ms, %d deadlock retries%n",
        label,
        recycler.epochs,
        recycler.recycledRows,
        recycler.maxBatch,
        recycler.epochs == 0 ? 0 : recycler.totalRecycleNanos / 1e6 / recycler.epochs,
        recycler.maxRecycleNanos / 1e6,
        recycler.retries);
    System.out.printf(
        "[%s] whole run incl. warm-up: %d x 201, %d x 503, %d other; %d distinct lease ids, %d distinct VMs leased%n",
        label, okAll, emptyAll, otherAll, leaseIds.size(), perVm.size());
    System.out.printf(
        "[%s] CPU over the measured window: java (app + clients) %.2f cores, mariadbd %.2f cores, "
            + "other processes %.2f cores%s%n",
        label,
        cores[0],
        cores[1],
        cores[2],
        cores[2] > 0.25 ? " (NOISY: the machine was shared during the measurement)" : "");
    long requests = ok + empty + other;
    StringJoiner perRequest = new StringJoiner(", ");
    statements.forEach(
        (k, v) ->
            perRequest.add(
                String.format("%s %.2f", k, requests == 0 ? 0.0 : v / (double) requests)));
    System.out.printf(
        "[%s] MariaDB commands per request over the window (all clients, incl. recycler and shepherd): %s%n",
        label, perRequest);
    if (!errors.isEmpty()) {
      System.out.printf(
          "[%s] first errors: %s%n", label, errors.subList(0, Math.min(5, errors.size())));
    }
    double rate = ok / seconds;
    System.out.printf(
        "RESULT ClaimBench ready=%d clients=%d: %.0f leases/s, p50 %s, p99 %s, max %s, "
            + "503s %d, other errors %d, double-leases %d, duplicate lease ids %d, recycled pairs not from a 201 %d, "
            + "bad bodies %d, other processes %.2f cores%n",
        size,
        clients,
        rate,
        BenchSupport.ms(BenchSupport.quantile(sorted, 0.50)),
        BenchSupport.ms(BenchSupport.quantile(sorted, 0.99)),
        BenchSupport.ms(sorted.length == 0 ? 0 : sorted[sorted.length - 1]),
        empty,
        other,
        doubleLeases,
        duplicateLeaseIds,
        pairsNotFromA201,
        badBodies,
        cores[2]);
    System.out.flush();
    return other == 0
        && doubleLeases == 0
        && duplicateLeaseIds == 0
        && badBodies == 0
        && pairsNotFromA201 == 0;
  }
}
