package dev.corral.bench;

// A benchmark is one scenario read top to bottom (setup, load, figures); its parts are used nowhere
// else, so
// it stays one file although it is over 400 lines.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.config.CorralConfig;
import dev.corral.config.Durations;
import dev.corral.web.BenchApps;
import dev.corral.web.CorralApp;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.WorkflowIds;
import dev.corral.workflows.model.ReconcileInput;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.reconcile.ReconcilerWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.converter.GlobalDataConverter;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Issue 6: what reconciling 10,000 VMs costs, and whether leases slow down while it runs.
 *
 * <p>Setup: 10,000 ready VMs {@code corral-bench-NNNNN} that both the database (batch insert, as in
 * ClaimBench) and the simulated provider know ({@code controls().addRunning}, one state-file
 * write), plus {@code --unknown} (20) VMs {@code corral-orphan-…} that only the provider has, added
 * after the start-up sweep so that the reconciler's purge is measured. Corral runs in-process on
 * that provider wrapped in a {@link CountingProvider} (every get, readiness probe, inventory
 * listing and destroy counted and time-stamped).
 *
 * <p>Part A, cost, with no lease load: the staggered loop for {@code --ticks} ticks (default one
 * window and one tick: both listings, so the orphans are sighted and then purged); per tick its
 * provider calls and wall time (from the loop's Temporal history: reconcile activity started →
 * completed). Then {@code --full} (3) {@code POST /v1/reconcile}, each over every VM (a second
 * batch of orphans is sighted by the first and purged by the second): wall time and provider calls.
 *
 * <p>Part B, lease rate: 16 clients lease back to back over HTTP while ClaimBench's recycler puts
 * leased VMs back; after a warm-up, {@code --rounds} rounds of four phases of {@code --phase}
 * seconds each: idle, full reconcile-now looping back to back, idle, staggered loop. Interleaving
 * puts machine noise on both sides alike. Per phase: leases/s, latency and CPU; at the end the
 * ratios to idle against the target (within 10 %).
 *
 * <p>Between parts the bench stops the loop by terminating its workflow once it sleeps between
 * ticks, and starts it again with Corral's own options (the tick count carried on, so the inventory
 * is still listed once per window).
 *
 * <p>Usage: {@code ReconcileBench [--size N] [--unknown N] [--tick 5s] [--window 1m] [--ticks N]
 * [--full N] [--clients 16] [--warmup S] [--phase S] [--rounds N] [--no-lease] [--recycle-ms MS]
 * [--quiet-wait S]}.
 */
public final class ReconcileBench {
  private static final String POOL = "bench";
  private static final String PROVIDER = "sim";
  private static final String TEMPLATE = POOL + "-tpl";
  private static final byte[] LEASE_BODY =
      ("{\"vms\":{\"" + POOL + "\":1}}").getBytes(StandardCharsets.UTF_8);
  private static final byte[] RECONCILE_BODY =
      ("{\"provider\":\"" + PROVIDER + "\"}").getBytes(StandardCharsets.UTF_8);
  private static final double TARGET_RATIO = 0.90;
  private static final ObjectMapper JSON = new ObjectMapper();

  private int size = 10_000;
  private int unknown = 20;
  private String tickText = "5s";
  private String windowText = "1m";
  private Duration tick;
  private Duration window;
  private int ticks = -1;
  private int fullRuns = 3;
  private int clients = 16;
  private double warmupS = 30;
  private double phaseS = 20;
  private int rounds = 3;
  private boolean lease = true;
  private long recycleMs = 10;
  private long quietWaitS = 180;

  private CorralApp app;
  private CountingProvider counting;
  private SimulatedProvider sim;
  private WorkflowClient temporal;
  private int orphanBatch;

  /** Ticks the loop made in part A; part B's staggered phases carry on counting from there. */
  private long partATicks;

  public static void main(String[] args) throws Exception {
    System.setProperty("http.maxConnections", "64");
    ReconcileBench bench = new ReconcileBench();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size" -> bench.size = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
        case "--unknown" -> bench.unknown = Integer.parseInt(args[++i]);
        case "--tick" -> bench.tickText = args[++i];
        case "--window" -> bench.windowText = args[++i];
        case "--ticks" -> bench.ticks = Integer.parseInt(args[++i]);
        case "--full" -> bench.fullRuns = Integer.parseInt(args[++i]);
        case "--clients" -> bench.clients = Integer.parseInt(args[++i]);
        case "--warmup" -> bench.warmupS = Double.parseDouble(args[++i]);
        case "--phase" -> bench.phaseS = Double.parseDouble(args[++i]);
        case "--rounds" -> bench.rounds = Integer.parseInt(args[++i]);
        case "--no-lease" -> bench.lease = false;
        case "--recycle-ms" -> bench.recycleMs = Long.parseLong(args[++i]);
        case "--quiet-wait" -> bench.quietWaitS = Long.parseLong(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    bench.tick = Durations.parse(bench.tickText);
    bench.window = Durations.parse(bench.windowText);
    int perWindow = new ReconcileInput(PROVIDER, bench.tick, bench.window, 0).ticksPerWindow();
    if (bench.ticks < 0) {
      bench.ticks = perWindow + 1;
    }
    long budget =
        900
            + 2 * bench.quietWaitS
            + bench.ticks * (bench.tick.toSeconds() + 30)
            + bench.fullRuns * 120L
            + (bench.lease ? (long) (bench.warmupS + bench.rounds * 4 * (bench.phaseS + 60)) : 0);
    BenchSupport.watchdog("ReconcileBench", budget);
    System.out.printf(
        "ReconcileBench: %d VMs + %d unknown, tick %s, window %s (%d ticks a window), %d ticks measured, "
            + "%d reconcile-now runs; lease phases: %s; %d cores, max heap %d MB, Java %s%n",
        bench.size,
        bench.unknown,
        bench.tickText,
        bench.windowText,
        perWindow,
        bench.ticks,
        bench.fullRuns,
        bench.lease
            ? bench.rounds
                + " rounds x (idle, full, idle, staggered) x "
                + (long) bench.phaseS
                + " s, "
                + bench.clients
                + " clients, warm-up "
                + (long) bench.warmupS
                + " s"
            : "none",
        Runtime.getRuntime().availableProcessors(),
        BenchSupport.availableMemoryMb(),
        System.getProperty("java.version"));
    System.exit(bench.run() ? 0 : 1);
  }

  static String vmName(int i) {
    return String.format("corral-bench-%05d", i);
  }

  private boolean run() throws Exception {
    Path dataDir = BenchSupport.freshDir("reconcile");
    CorralConfig config =
        BenchSupport.config(
            dataDir,
            POOL,
            size,
            size,
            10,
            "1",
            "1",
            "reconcile: {tick: "
                + tickText
                + ", window: "
                + windowText
                + "}\npurge: {dry_run: false}");
    long t = System.nanoTime();
    BenchSupport.seedReadyVms(config, POOL, PROVIDER, size, ReconcileBench::vmName);
    double dbSeconds = (System.nanoTime() - t) / 1e9;
    t = System.nanoTime();
    sim = SimulatedProvider.create(config.providers().get(PROVIDER), config.dataDir());
    sim.controls()
        .addRunning(IntStream.range(0, size).mapToObj(ReconcileBench::vmName).toList(), TEMPLATE);
    System.out.printf(
        "seeded %d ready VMs in the database in %.1f s and in the provider in %.1f s (state file %.1f MB)%n",
        size,
        dbSeconds,
        (System.nanoTime() - t) / 1e9,
        Files.size(sim.controls().stateFile()) / 1e6);
    counting = new CountingProvider(sim);
    Map<String, VmProvider> wrapped = Map.of(PROVIDER, counting);
    t = System.nanoTime();
    try (ProviderRegistry providers = new ProviderRegistry(wrapped, config.providers());
        CorralApp started = BenchApps.start(config, providers)) {
      app = started;
      System.out.printf(
          "CorralApp started in %.1f s on %s (start-up sweep and first tick: %s)%n",
          (System.nanoTime() - t) / 1e9,
          app.baseUrl(),
          CountingProvider.describe(counting.counts()));
      temporal = BenchApps.workflowClient(app);
      boolean ok = partA();
      if (lease) {
        ok &= partB();
      }
      return ok;
    }
  }

  // --- part A: cost
  // ---------------------------------------------------------------------------------------

  private boolean partA() throws Exception {
    // The loop Corral started has made its first pass at start-up; stop it and start a measured one
    // on a clean slate.
    waitFor("the first tick at start-up", () -> passes() >= 1, 120);
    new Loop().stopRunning(WorkflowIds.reconcile(PROVIDER));
    addOrphans();
    markAllUnchecked();
    BenchSupport.waitForQuiet("part A", 0.25, quietWaitS);

    System.out.printf(
        "== staggered loop, tick %s, window %s: %d ticks, no lease load ==%n",
        tickText, windowText, ticks);
    BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
    Loop loop = new Loop();
    loop.start(0);
    waitFor(
        ticks + " ticks",
        () -> {
          Thread.sleep(
              200); // the history is polled rarely, not to take CPU from the passes measured
          return loop.completedPasses() >= ticks;
        },
        ticks * (tick.toSeconds() + 60) + 60);
    List<Tick> measured = loop.stop();
    partATicks = measured.size();
    double[] cores = BenchSupport.Cpu.now().coresSince(cpu0);
    List<Tick> firstN = measured.subList(0, Math.min(ticks, measured.size()));
    printTicks("stagger", firstN);
    long neverChecked =
        sqlLong(
            "SELECT COUNT(*) FROM vm LEFT JOIN vm_check ON vm_check.vm_id = vm.id "
                + "WHERE vm_check.vm_id IS NULL");
    int purged = firstN.stream().mapToInt(k -> k.pass().purged()).sum();
    int lost = firstN.stream().mapToInt(k -> k.pass().lost()).sum();
    int perWindow = new ReconcileInput(PROVIDER, tick, window, 0).ticksPerWindow();
    System.out.printf(
        "[stagger] after %d ticks: %d of %d VMs never checked%s; %d lost; %d of %d unknown purged; "
            + "CPU over the ticks: java %.2f, mariadbd %.2f, other processes %.2f cores%s%n",
        firstN.size(),
        neverChecked,
        size,
        firstN.size() >= perWindow ? " (one window: every VM must be checked)" : "",
        lost,
        purged,
        unknown,
        cores[0],
        cores[1],
        cores[2],
        noisy(cores[2]));
    summarizeTicks(
        "RESULT ReconcileBench staggered tick="
            + tickText
            + " window="
            + windowText
            + " vms="
            + size,
        firstN,
        cores[2]);
    boolean ok =
        lost == 0
            && (firstN.size() < perWindow || neverChecked == 0)
            && (firstN.size() <= perWindow || purged == unknown);

    if (fullRuns > 0) {
      System.out.printf("== POST /v1/reconcile (every VM), %d runs, no lease load ==%n", fullRuns);
      addOrphans();
      URL url = new URL(app.baseUrl() + "/v1/reconcile");
      List<Double> walls = new ArrayList<>();
      long[] callsFirst = null;
      for (int i = 1; i <= fullRuns; i++) {
        long[] c0 = counting.counts();
        BenchSupport.Cpu before = BenchSupport.Cpu.now();
        long s = System.nanoTime();
        BenchSupport.Response r = BenchSupport.post(url, RECONCILE_BODY, 900_000);
        double wall = (System.nanoTime() - s) / 1e9;
        double[] c = BenchSupport.Cpu.now().coresSince(before);
        long[] calls = minus(counting.counts(), c0);
        if (r.status() != 200) {
          System.out.printf(
              "[full %d] POST /v1/reconcile answered %d: %s%n", i, r.status(), r.body());
          return false;
        }
        JsonNode pass = JSON.readTree(r.body()).get("providers").get(0);
        walls.add(wall);
        callsFirst = callsFirst == null ? calls : callsFirst;
        System.out.printf(
            "[full %d] %.2f s, %d provider calls (%s); checked %d, lost %d, unknown sighted %d, purged %d,"
                + " errors %d; CPU java %.2f, mariadbd %.2f, other %.2f cores%s%n",
            i,
            wall,
            CountingProvider.total(calls),
            CountingProvider.describe(calls),
            pass.get("checked").asInt(),
            pass.get("lost").asInt(),
            pass.get("unknown_sighted").asInt(),
            pass.get("purged").asInt(),
            pass.get("errors").size(),
            c[0],
            c[1],
            c[2],
            noisy(c[2]));
        ok &= pass.get("checked").asInt() == size && pass.get("lost").asInt() == 0;
        if (i == 1 && fullRuns > 1) {
          // The second sighting must come at least a tick after the first for the orphans to be
          // purged.
          Thread.sleep(tick.toMillis() + 1_000);
        }
      }
      double[] w = walls.stream().mapToDouble(Double::doubleValue).toArray();
      System.out.printf(
          "RESULT ReconcileBench reconcile-now vms=%d: wall median %.2f s (min %.2f, max %.2f) over %d runs; "
              + "%d provider calls each (%s)%n",
          size,
          BenchSupport.median(w),
          Arrays.stream(w).min().orElse(0),
          Arrays.stream(w).max().orElse(0),
          w.length,
          CountingProvider.total(callsFirst),
          CountingProvider.describe(callsFirst));
    }
    return ok;
  }

  /**
   * Puts {@link #unknown} VMs into the provider that the database does not know (after the start-up
   * sweep).
   */
  private void addOrphans() {
    if (unknown == 0) {
      return;
    }
    orphanBatch++;
    sim.controls()
        .addRunning(
            IntStream.range(0, unknown)
                .mapToObj(i -> "corral-orphan-" + orphanBatch + "-" + i)
                .toList(),
            TEMPLATE);
  }

  private void printTicks(String label, List<Tick> list) {
    for (Tick k : list) {
      System.out.printf(
          "[%s] tick %d%s: %d checked, %d lost, %d unknown sighted, %d purged; %d provider calls (%s); "
              + "%.0f ms%n",
          label,
          k.index(),
          k.pass().inventoryScanned() ? " (lists the inventory)" : "",
          k.pass().checked(),
          k.pass().lost(),
          k.pass().unknownSighted(),
          k.pass().purged(),
          CountingProvider.total(k.calls()),
          CountingProvider.describe(k.calls()),
          k.wallMs());
    }
  }

  private static void summarizeTicks(String prefix, List<Tick> list, double otherCores) {
    for (boolean listing : new boolean[] {false, true}) {
      List<Tick> some = list.stream().filter(k -> k.pass().inventoryScanned() == listing).toList();
      if (some.isEmpty()) {
        continue;
      }
      long[] calls =
          some.stream().mapToLong(k -> CountingProvider.total(k.calls())).sorted().toArray();
      long[] wall = some.stream().mapToLong(k -> Math.round(k.wallMs())).sorted().toArray();
      long[] checked = some.stream().mapToLong(k -> k.pass().checked()).sorted().toArray();
      System.out.printf(
          "%s %s ticks (%d): checked p50 %d; provider calls p50 %d, max %d (%s at the median tick); "
              + "wall p50 %d ms, max %d ms; other processes %.2f cores%n",
          prefix,
          listing ? "listing" : "plain",
          some.size(),
          BenchSupport.quantile(checked, 0.5),
          BenchSupport.quantile(calls, 0.5),
          calls[calls.length - 1],
          CountingProvider.describe(medianBy(some).calls()),
          BenchSupport.quantile(wall, 0.5),
          wall[wall.length - 1],
          otherCores);
    }
  }

  private static Tick medianBy(List<Tick> ticks) {
    List<Tick> sorted = new ArrayList<>(ticks);
    sorted.sort(
        (a, b) ->
            Long.compare(CountingProvider.total(a.calls()), CountingProvider.total(b.calls())));
    return sorted.get((sorted.size() - 1) / 2);
  }

  // --- part B: lease rate idle vs during a reconcile
  // -------------------------------------------------------

  private enum PhaseKind {
    IDLE,
    FULL,
    STAGGER
  }

  /** One measured phase: nanoTime bounds, CPU, provider calls, what the reconcile did meanwhile. */
  private record Phase(
      int round, PhaseKind kind, long from, long to, double[] cores, long[] calls, String note) {}

  private boolean partB() throws Exception {
    BenchSupport.waitForQuiet("part B", 0.25, quietWaitS);
    System.out.printf(
        "== lease rate: %d clients, warm-up %.0f s, then %d rounds of idle / full reconcile-now looping /"
            + " idle / staggered loop (tick %s, window %s), %.0f s each ==%n",
        clients, warmupS, rounds, tickText, windowText, phaseS);
    URL leases = new URL(app.baseUrl() + "/v1/leases");
    LeaseLoad.Recycler recycler = new LeaseLoad.Recycler(app.db(), POOL, recycleMs, "reconcile");
    Thread recyclerThread = new Thread(recycler, "bench-recycler");
    recyclerThread.setDaemon(true);
    recyclerThread.start();
    AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
    LeaseLoad.ClientLog[] logs = new LeaseLoad.ClientLog[clients];
    Thread[] threads = new Thread[clients];
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < clients; i++) {
      LeaseLoad.ClientLog log = new LeaseLoad.ClientLog();
      logs[i] = log;
      threads[i] =
          new Thread(
              () ->
                  LeaseLoad.client(
                      () -> BenchSupport.post(leases, LEASE_BODY), log, go, stopAt::get),
              "bench-client-" + i);
      threads[i].start();
    }
    go.countDown();
    Thread.sleep((long) (warmupS * 1000));

    long loopTicks = partATicks; // the inventory stays listed once per window of ticks
    List<Phase> phases = new ArrayList<>();
    PhaseKind[] order = {PhaseKind.IDLE, PhaseKind.FULL, PhaseKind.IDLE, PhaseKind.STAGGER};
    URL reconcileUrl = new URL(app.baseUrl() + "/v1/reconcile");
    for (int round = 1; round <= rounds; round++) {
      for (PhaseKind kind : order) {
        if (kind == PhaseKind.STAGGER) {
          // The reconcile-nows just checked every VM, which leaves the loop nothing due for a
          // window. In steady state
          // a tick always finds its share (total x tick / window) due; mark every VM unchecked to
          // get that back.
          markAllUnchecked();
        }
        Thread.sleep(1_000); // settle: not measured
        long[] c0 = counting.counts();
        BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
        long from = System.nanoTime();
        String note;
        if (kind == PhaseKind.IDLE) {
          Thread.sleep((long) (phaseS * 1000));
          note = "";
        } else if (kind == PhaseKind.FULL) {
          AtomicBoolean running = new AtomicBoolean(true);
          List<Double> walls = new ArrayList<>();
          List<String> failures = new ArrayList<>();
          Thread looper =
              new Thread(
                  () -> {
                    while (running.get()) {
                      long s = System.nanoTime();
                      try {
                        BenchSupport.Response r =
                            BenchSupport.post(reconcileUrl, RECONCILE_BODY, 900_000);
                        if (r.status() != 200) {
                          failures.add(r.status() + " " + r.body());
                        }
                      } catch (Exception e) {
                        failures.add(e.toString());
                      }
                      synchronized (walls) {
                        walls.add((System.nanoTime() - s) / 1e9);
                      }
                    }
                  },
                  "bench-reconcile-now");
          looper.start();
          Thread.sleep((long) (phaseS * 1000));
          running.set(false);
          long to = System.nanoTime();
          BenchSupport.Cpu cpu1 = BenchSupport.Cpu.now();
          long[] calls = minus(counting.counts(), c0);
          looper.join(); // the reconcile still running finishes in the (unmeasured) gap
          double[] w;
          synchronized (walls) {
            w = walls.stream().mapToDouble(Double::doubleValue).toArray();
          }
          note =
              String.format(
                  "%d reconcile-now started, each %.2f s (median)%s",
                  w.length,
                  BenchSupport.median(w),
                  failures.isEmpty() ? "" : "; FAILURES " + failures);
          phases.add(new Phase(round, kind, from, to, cpu1.coresSince(cpu0), calls, note));
          printPhase(phases.get(phases.size() - 1), logs);
          continue;
        } else {
          Loop loop = new Loop();
          loop.start(loopTicks);
          Thread.sleep((long) (phaseS * 1000));
          long to = System.nanoTime();
          BenchSupport.Cpu cpu1 = BenchSupport.Cpu.now();
          long[] calls = minus(counting.counts(), c0);
          List<Tick> done = loop.stop();
          loopTicks += done.size();
          long[] wall = done.stream().mapToLong(k -> Math.round(k.wallMs())).sorted().toArray();
          note =
              String.format(
                  "%d ticks, wall p50 %d ms, max %d ms",
                  done.size(),
                  BenchSupport.quantile(wall, 0.5),
                  wall.length == 0 ? 0 : wall[wall.length - 1]);
          printTicks("stagger, round " + round, done);
          phases.add(new Phase(round, kind, from, to, cpu1.coresSince(cpu0), calls, note));
          printPhase(phases.get(phases.size() - 1), logs);
          continue;
        }
        long to = System.nanoTime();
        phases.add(
            new Phase(
                round,
                kind,
                from,
                to,
                BenchSupport.Cpu.now().coresSince(cpu0),
                minus(counting.counts(), c0),
                note));
        printPhase(phases.get(phases.size() - 1), logs);
      }
    }

    stopAt.set(System.nanoTime());
    for (Thread th : threads) {
      th.join();
    }
    recycler.stop();
    recyclerThread.join();
    recycler.recycleOnce();
    return reportLeases(phases, logs, recycler);
  }

  private void printPhase(Phase p, LeaseLoad.ClientLog[] logs) {
    Window w = window(logs, p.from(), p.to());
    System.out.printf(
        "[round %d %-7s] %6.0f leases/s, p50 %s, p99 %s, %d not 201 (503: no ready VM found); provider"
            + " calls %s; CPU java %.2f, mariadbd %.2f, other %.2f cores%s%s%n",
        p.round(),
        p.kind().name().toLowerCase(),
        w.rate(),
        BenchSupport.ms(w.p50()),
        BenchSupport.ms(w.p99()),
        w.other(),
        CountingProvider.describe(p.calls()),
        p.cores()[0],
        p.cores()[1],
        p.cores()[2],
        noisy(p.cores()[2]),
        p.note().isEmpty() ? "" : "; " + p.note());
  }

  private record Window(long ok, long other, double seconds, long p50, long p99) {
    double rate() {
      return ok / seconds;
    }
  }

  /** The 201s (and other answers) that completed in (from, to], with their latency quantiles. */
  private static Window window(LeaseLoad.ClientLog[] logs, long from, long to) {
    long ok = 0;
    long other = 0;
    long[] lat = new long[1024];
    int n = 0;
    for (LeaseLoad.ClientLog log : logs) {
      for (int i = 0; i < log.n; i++) {
        if (log.endNanos[i] <= from || log.endNanos[i] > to) {
          continue;
        }
        if (log.status[i] == 201) {
          ok++;
          if (n == lat.length) {
            lat = Arrays.copyOf(lat, n * 2);
          }
          lat[n++] = log.latencyNanos[i];
        } else {
          other++;
        }
      }
    }
    long[] sorted = Arrays.copyOf(lat, n);
    Arrays.sort(sorted);
    return new Window(
        ok,
        other,
        (to - from) / 1e9,
        BenchSupport.quantile(sorted, 0.5),
        BenchSupport.quantile(sorted, 0.99));
  }

  private boolean reportLeases(
      List<Phase> phases, LeaseLoad.ClientLog[] logs, LeaseLoad.Recycler recycler)
      throws Exception {
    Map<PhaseKind, double[]> sums = new TreeMap<>(); // kind -> {leases, seconds, max other cores}
    for (Phase p : phases) {
      Window w = window(logs, p.from(), p.to());
      double[] s = sums.computeIfAbsent(p.kind(), k -> new double[3]);
      s[0] += w.ok();
      s[1] += w.seconds();
      s[2] = Math.max(s[2], p.cores()[2]);
    }
    double idle = rate(sums.get(PhaseKind.IDLE));
    // Per round: each reconcile phase against the mean of the idle phases either side of it.
    StringBuilder perRound = new StringBuilder();
    for (int i = 0; i < phases.size(); i++) {
      Phase p = phases.get(i);
      if (p.kind() == PhaseKind.IDLE) {
        continue;
      }
      List<Double> neighbours = new ArrayList<>();
      for (int j : new int[] {i - 1, i + 1}) {
        if (j >= 0 && j < phases.size() && phases.get(j).kind() == PhaseKind.IDLE) {
          neighbours.add(window(logs, phases.get(j).from(), phases.get(j).to()).rate());
        }
      }
      double around = neighbours.stream().mapToDouble(Double::doubleValue).average().orElse(idle);
      perRound.append(
          String.format(
              "%s r%d %.2f; ",
              p.kind().name().toLowerCase(),
              p.round(),
              window(logs, p.from(), p.to()).rate() / around));
    }
    System.out.printf(
        "[leases] each reconcile phase over the mean of the idle phases next to it: %s%n",
        perRound);

    // Whole-run checks, as in ClaimBench: every 201 handed out a VM that was later recycled from
    // that very lease.
    long oks = 0;
    long others = 0;
    long doubleLeases = 0;
    Set<String> ids = new HashSet<>();
    long duplicateIds = 0;
    List<String> errors = new ArrayList<>();
    for (LeaseLoad.ClientLog log : logs) {
      errors.addAll(log.errors);
      for (int i = 0; i < log.n; i++) {
        if (log.status[i] == 201) {
          oks++;
        } else {
          others++;
        }
      }
      for (String body : log.leaseBodies) {
        JsonNode lease = JSON.readTree(body);
        String id = lease.get("id").asText();
        if (!ids.add(id)) {
          duplicateIds++;
        }
        if (!recycler.recycledPairs.contains(
            lease.get("vms").get(0).get("name").asText() + " " + id)) {
          doubleLeases++;
        }
      }
    }
    Map<String, Long> states = stateCounts();
    JsonNode status =
        JSON.readTree(BenchSupport.get(new URL(app.baseUrl() + "/v1/reconcile")).body())
            .get("providers")
            .get(0);
    System.out.printf(
        "[leases] whole run: %d x 201, %d other answers (503 or errors); %d double leases, %d duplicate"
            + " lease ids; vm states at the end %s; reconciler since start: %d passes, %d checked, %d lost, %d purged,"
            + " %d provider errors%s%n",
        oks,
        others,
        doubleLeases,
        duplicateIds,
        states,
        status.get("passes").asLong(),
        status.get("vms_checked").asLong(),
        status.get("vms_lost").asLong(),
        status.get("unknown_purged").asLong(),
        status.get("provider_errors").asLong(),
        errors.isEmpty() ? "" : "; first errors " + errors);
    double full = rate(sums.get(PhaseKind.FULL));
    double stagger = rate(sums.get(PhaseKind.STAGGER));
    double otherMax = sums.values().stream().mapToDouble(s -> s[2]).max().orElse(0);
    System.out.printf(
        "RESULT ReconcileBench leases vms=%d clients=%d: idle %.0f leases/s; during reconcile-now looping "
            + "%.0f/s (%.2f of idle: %s); during the staggered loop (tick %s, window %s) %.0f/s (%.2f of idle: %s); "
            + "target >= %.2f; other processes up to %.2f cores%s%n",
        size,
        clients,
        idle,
        full,
        full / idle,
        verdict(full / idle),
        tickText,
        windowText,
        stagger,
        stagger / idle,
        verdict(stagger / idle),
        TARGET_RATIO,
        otherMax,
        noisy(otherMax));
    return doubleLeases == 0
        && duplicateIds == 0
        && states.equals(Map.of("ready", (long) size))
        && status.get("vms_lost").asLong() == 0;
  }

  private static double rate(double[] sums) {
    return sums == null || sums[1] == 0 ? 0 : sums[0] / sums[1];
  }

  private static String verdict(double ratio) {
    return ratio >= TARGET_RATIO ? "met" : "MISSED";
  }

  private static String noisy(double otherCores) {
    return otherCores > 0.25 ? " (NOISY)" : "";
  }

  // --- the reconciler loop, driven through Temporal
  // ---------------------------------------------------------

  /**
   * One tick of the loop: when its reconcile activity ran (Temporal history), what it did, what it
   * called.
   */
  private record Tick(int index, long startedMs, long endedMs, ReconcilePass pass, long[] calls) {
    double wallMs() {
      return endedMs - startedMs;
    }
  }

  /**
   * A run of the provider's reconciler workflow started by the bench, with Corral's own workflow
   * options.
   */
  private final class Loop {
    private WorkflowExecution execution;
    private long passesBefore;

    void start(long fromTick) throws Exception {
      passesBefore = passes();
      WorkflowOptions options =
          WorkflowOptions.newBuilder()
              .setWorkflowId(WorkflowIds.reconcile(PROVIDER))
              .setTaskQueue(TaskQueues.WORKFLOWS)
              .build();
      execution =
          WorkflowClient.start(
              temporal.newWorkflowStub(ReconcilerWorkflow.class, options)::run,
              new ReconcileInput(PROVIDER, tick, window, fromTick));
    }

    /** Passes of this run that completed so far (cheap: counts events, decodes nothing). */
    long completedPasses() {
      return history().stream()
          .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
          .count();
    }

    /**
     * Stops this run between two ticks and waits until no pass of it is left running; returns its
     * ticks.
     */
    List<Tick> stop() throws Exception {
      stopRunning(execution.getWorkflowId());
      List<HistoryEvent> events = history();
      long scheduled =
          events.stream()
              .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
              .count();
      waitFor("the passes of the terminated loop", () -> passes() >= passesBefore + scheduled, 120);
      return ticksOf(events);
    }

    /**
     * Terminates the workflow once it sleeps between two ticks (its last activity completed, a
     * timer started).
     */
    void stopRunning(String workflowId) throws Exception {
      long deadline = System.nanoTime() + 300_000_000_000L;
      while (System.nanoTime() < deadline) {
        List<HistoryEvent> events = temporal.fetchHistory(workflowId).getEvents();
        if (!events.isEmpty()
            && events.get(events.size() - 1).getEventType() == EventType.EVENT_TYPE_TIMER_STARTED) {
          break;
        }
        Thread.sleep(20);
      }
      temporal
          .newUntypedWorkflowStub(workflowId)
          .terminate("ReconcileBench: loop stopped between phases");
    }

    private List<HistoryEvent> history() {
      return temporal.fetchHistory(execution.getWorkflowId(), execution.getRunId()).getEvents();
    }

    private List<Tick> ticksOf(List<HistoryEvent> events) {
      Map<Long, Long> started = new HashMap<>();
      List<long[]> spans = new ArrayList<>();
      List<ReconcilePass> passes = new ArrayList<>();
      for (HistoryEvent e : events) {
        long at = e.getEventTime().getSeconds() * 1000 + e.getEventTime().getNanos() / 1_000_000;
        if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
          started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), at);
        } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          var done = e.getActivityTaskCompletedEventAttributes();
          spans.add(new long[] {started.getOrDefault(done.getScheduledEventId(), at), at});
          passes.add(
              GlobalDataConverter.get()
                  .fromPayloads(
                      0, Optional.of(done.getResult()), ReconcilePass.class, ReconcilePass.class));
        }
      }
      List<Tick> out = new ArrayList<>();
      for (int i = 0; i < spans.size(); i++) {
        // Calls are put down to the tick whose span they fall in (a few ms of slack: two clocks'
        // rounding).
        long[] calls = counting.countsBetween(spans.get(i)[0] - 5, spans.get(i)[1] + 5);
        out.add(new Tick(i, spans.get(i)[0], spans.get(i)[1], passes.get(i), calls));
      }
      return out;
    }
  }

  // --- helpers
  // --------------------------------------------------------------------------------------------

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void waitFor(String what, Condition condition, long seconds) throws Exception {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  /**
   * Passes the reconciler of this process finished (ticks and reconcile-now), from GET
   * /v1/reconcile.
   */
  private long passes() throws Exception {
    BenchSupport.Response r = BenchSupport.get(new URL(app.baseUrl() + "/v1/reconcile"));
    return JSON.readTree(r.body()).get("providers").get(0).get("passes").asLong();
  }

  private static long[] minus(long[] a, long[] b) {
    long[] out = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] - b[i];
    }
    return out;
  }

  /**
   * Forgets every check (the reconciler's vm_check rows), so that each VM is due again. Locks no vm
   * row.
   */
  private void markAllUnchecked() throws SQLException {
    try (Connection c = app.db().dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM vm_check");
      c.commit();
    }
  }

  private long sqlLong(String query) throws SQLException {
    try (Connection c = app.db().dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      long v = rs.getLong(1);
      c.commit();
      return v;
    }
  }

  private Map<String, Long> stateCounts() throws SQLException {
    return BenchSupport.vmStates(app, POOL);
  }
}
