package dev.corral.bench;

// A benchmark is one scenario read top to bottom (setup, load, figures); its parts are used nowhere
// else, so
// it stays one file although it is over 400 lines.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import dev.corral.web.BenchApps;
import dev.corral.web.CorralApp;
import dev.corral.workflows.WorkflowIds;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Issue 3's chain benchmark: the preparation chain (deploy, verify, configure, seal, poweroff,
 * finish) with every step taking 1 s on the simulated provider.
 *
 * <ol>
 *   <li><b>Single chain overhead.</b> Provider {@code sim}, {@code max_concurrent_builds: 1}. A
 *       build is started with {@code POST /v1/builds} and {@code GET /v1/builds/{id}} is polled
 *       every 20 ms until it shows {@code succeeded}. Overhead = that wall time - 6 s; target &lt;
 *       1 s. Repeated in one JVM (the first run is cold), each on its own raw template.
 *   <li><b>20 chains in parallel.</b> Providers {@code sim-a} and {@code sim-b}, {@code
 *       max_concurrent_builds: 2} each, 10 raw templates per provider; 20 POSTs are sent at once
 *       (20 threads behind a latch) and the clock stops when the database shows all 20 builds
 *       succeeded (polled every 20 ms; the API is checked after). Physical limit 5 waves x 6 s = 30
 *       s; target &lt;= 33 s.
 * </ol>
 *
 * <p>One CorralApp (embedded MariaDB, embedded Temporal, HTTP on 127.0.0.1) hosts both parts. No
 * pool is configured, so the tracker (which discovers the raw templates from the simulated
 * providers' listings at start) never starts a build by itself: every build measured is one this
 * bench POSTed.
 *
 * <p>Usage: {@code ChainBench [SINGLE_RUNS [PARALLEL_RUNS [QUIET_WAIT_S]]]} (defaults 5, 3, 180).
 */
public final class ChainBench {
  private static final long POLL_MS = 20;
  private static final double STEP_S = 1.0;
  private static final int STEPS = 6;
  private static final int PAR_PER_PROVIDER = 10;
  private static final int PAR_SLOTS = 2;
  private static final List<String> PAR_PROVIDERS = List.of("sim-a", "sim-b");
  private static final double PAR_LIMIT_S = 30.0;
  private static final double PAR_TARGET_S = 33.0;
  private static final List<String> STEP_NAMES =
      List.of("deploy", "verify", "configure", "seal", "poweroff", "finish");

  private final ObjectMapper json = new ObjectMapper();
  private CorralApp app;
  private String base;
  private long quietWaitS;

  public static void main(String[] args) throws Exception {
    int singleRuns = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int parallelRuns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long quietWaitS = args.length > 2 ? Long.parseLong(args[2]) : 180;
    BenchSupport.watchdog(
        "ChainBench", 120 + singleRuns * (30 + quietWaitS) + parallelRuns * (120 + quietWaitS));
    System.out.printf(
        "ChainBench: preparation chain, 6 steps x 1 s on the simulated provider; %d single runs "
            + "(target: wall - 6 s < 1 s), %d parallel runs of 20 chains on 2 providers x 2 build slots "
            + "(limit 5 x 6 s = 30 s, target <= 33 s); %d cores, max heap %d MB, Java %s%n",
        singleRuns,
        parallelRuns,
        Runtime.getRuntime().availableProcessors(),
        BenchSupport.availableMemoryMb(),
        System.getProperty("java.version"));
    ChainBench bench = new ChainBench();
    bench.quietWaitS = quietWaitS;
    boolean ok = bench.run(singleRuns, parallelRuns);
    System.exit(ok ? 0 : 1);
  }

  private static String config(Path dataDir, int singleRuns, int parallelRuns) {
    LocalDate today = LocalDate.now();
    StringBuilder y = new StringBuilder();
    y.append("data_dir: '").append(dataDir).append("'\n");
    y.append("server: {host: 127.0.0.1, port: 0}\n");
    y.append("database: {url: embedded}\n");
    y.append("temporal: {address: embedded, namespace: default}\n");
    y.append("template_groups:\n");
    y.append("  single: {obsolete_days: 30, keep_prepared: 100, configure: {motd: bench}}\n");
    for (int r = 1; r <= parallelRuns; r++) {
      y.append("  par")
          .append(r)
          .append(": {obsolete_days: 30, keep_prepared: 100, configure: {motd: bench}}\n");
    }
    y.append("tracker: {interval: 1h, sources: []}\n");
    y.append("providers:\n");
    List<String[]> singles = new ArrayList<>();
    for (int i = 1; i <= singleRuns; i++) {
      singles.add(new String[] {"single-" + i, "single"});
    }
    provider(y, "sim", 1, today, singles);
    for (String p : PAR_PROVIDERS) {
      List<String[]> t = new ArrayList<>();
      for (int r = 1; r <= parallelRuns; r++) {
        for (int i = 1; i <= PAR_PER_PROVIDER; i++) {
          t.add(new String[] {"par" + r + "-" + p + "-" + i, "par" + r});
        }
      }
      provider(y, p, PAR_SLOTS, today, t);
    }
    y.append("pools: []\n");
    return y.toString();
  }

  private static void provider(
      StringBuilder y, String name, int slots, LocalDate date, List<String[]> templates) {
    y.append("  ").append(name).append(":\n");
    y.append("    type: simulated\n");
    y.append("    clone_seconds: 0\n    boot_seconds: 0\n    destroy_seconds: 0\n");
    y.append("    step_seconds: ").append(STEP_S).append('\n');
    y.append(
        "    fail_steps: {deploy: 0, verify: 0, configure: 0, seal: 0, poweroff: 0, finish: 0}\n");
    y.append("    max_vms: 100\n    max_concurrent_clones: 10\n");
    y.append("    max_concurrent_builds: ").append(slots).append('\n');
    y.append("    templates:\n");
    for (String[] t : templates) {
      y.append("      - {name: ")
          .append(t[0])
          .append(", group: ")
          .append(t[1])
          .append(", version: \"1.0\", date: ")
          .append(date)
          .append("}\n");
    }
  }

  private boolean run(int singleRuns, int parallelRuns) throws Exception {
    Path dataDir = BenchSupport.freshDir("chain");
    String yaml = config(dataDir, singleRuns, parallelRuns);
    CorralConfig config = ConfigLoader.fromYaml(yaml, "chain-bench", Map.of());
    long bootStart = System.nanoTime();
    boolean ok = true;
    try (CorralApp started = CorralApp.start(config)) {
      app = started;
      base = app.baseUrl();
      System.out.printf("CorralApp.start took %.1f s%n", (System.nanoTime() - bootStart) / 1e9);
      awaitTemplates("single", singleRuns);
      for (int r = 1; r <= parallelRuns; r++) {
        awaitTemplates("par" + r, PAR_PER_PROVIDER * PAR_PROVIDERS.size());
      }

      double[] overhead = new double[singleRuns];
      for (int i = 1; i <= singleRuns; i++) {
        overhead[i - 1] = single(i);
        ok &= overhead[i - 1] >= 0;
      }
      if (singleRuns > 0) {
        double[] warm =
            singleRuns > 1 ? java.util.Arrays.copyOfRange(overhead, 1, singleRuns) : overhead;
        double med = BenchSupport.median(overhead);
        System.out.printf(
            "RESULT ChainBench single: overhead (wall - 6 s) median %.3f s over %d runs "
                + "(cold run 1: %.3f s; warm runs 2..%d median %.3f s); target < 1 s: %s%n",
            med,
            singleRuns,
            overhead[0],
            singleRuns,
            BenchSupport.median(warm),
            ok && med < 1.0 ? "met" : "MISSED");
      }

      double[] totals = new double[parallelRuns];
      for (int r = 1; r <= parallelRuns; r++) {
        totals[r - 1] = parallel(r);
        ok &= totals[r - 1] >= 0;
      }
      if (parallelRuns > 0) {
        double med = BenchSupport.median(totals);
        System.out.printf(
            "RESULT ChainBench parallel: 20 chains, median %.2f s over %d runs (limit %.0f s, %+.1f %%); "
                + "target <= %.0f s: %s%n",
            med,
            parallelRuns,
            PAR_LIMIT_S,
            (med / PAR_LIMIT_S - 1) * 100,
            PAR_TARGET_S,
            ok && med <= PAR_TARGET_S ? "met" : "MISSED");
      }
    }
    return ok;
  }

  /** Waits until the tracker's start-up poll has recorded the group's raw templates. */
  private void awaitTemplates(String group, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      BenchSupport.Response r = BenchSupport.get(new URL(base + "/v1/templates?group=" + group));
      if (r.status() == 200 && json.readTree(r.body()).size() >= count) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the tracker did not discover the " + count + " templates of group " + group);
  }

  // ---------------------------------------------------------------- single chain

  /** One build on {@code sim}; returns wall - 6 s in seconds (-1 when it did not succeed). */
  private double single(int run) throws Exception {
    String template = "single-" + run;
    BenchSupport.waitForQuiet("single " + run, 0.25, quietWaitS);
    BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
    byte[] body =
        ("{\"template\": \"" + template + "\", \"provider\": \"sim\"}")
            .getBytes(StandardCharsets.UTF_8);
    Instant t0Wall = Instant.now();
    long t0 = System.nanoTime();
    BenchSupport.Response posted = BenchSupport.post(new URL(base + "/v1/builds"), body);
    long postDone = System.nanoTime();
    if (posted.status() != 201) {
      System.out.printf(
          "RESULT ChainBench single run %d: POST /v1/builds answered %d %s%n",
          run, posted.status(), posted.body());
      return -1;
    }
    long id = json.readTree(posted.body()).get("id").asLong();
    URL buildUrl = new URL(base + "/v1/builds/" + id);
    long deadline = t0 + Duration.ofSeconds(60).toNanos();
    String state = "?";
    int polls = 0;
    long doneAt = -1;
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      BenchSupport.Response r = BenchSupport.get(buildUrl);
      polls++;
      if (r.status() == 200) {
        last = json.readTree(r.body());
        state = last.get("state").asText();
        if (!state.equals("queued") && !state.equals("running")) {
          doneAt = System.nanoTime();
          break;
        }
      }
      long sleep = (t0 + polls * POLL_MS * 1_000_000L - System.nanoTime()) / 1_000_000;
      if (sleep > 0) {
        Thread.sleep(sleep);
      }
    }
    double[] cores = BenchSupport.Cpu.now().coresSince(cpu0);
    if (doneAt < 0 || !state.equals("succeeded")) {
      System.out.printf(
          "RESULT ChainBench single run %d: build %d ended %s (not succeeded) %s%n",
          run, id, state, last);
      return -1;
    }
    double wall = (doneAt - t0) / 1e9;
    double overhead = wall - STEPS * STEP_S;
    Build b = Build.of(last);
    System.out.printf(
        "[single %d] build %d: POST took %.0f ms; created_at -> ended_at %.3f s (DB overhead %.0f ms); "
            + "POST sent -> created_at %d ms; created -> started (slot) %d ms; started -> deploy started %d ms; "
            + "finish ended -> build ended %d ms; build ended -> seen by poll %d ms; %d polls%n",
        run,
        id,
        (postDone - t0) / 1e6,
        b.seconds(b.created, b.ended),
        (b.seconds(b.created, b.ended) - 6) * 1000,
        ms(t0Wall, b.created),
        ms(b.created, b.started),
        ms(b.started, b.steps.get(0).started),
        ms(b.steps.get(b.steps.size() - 1).ended, b.ended),
        ms(b.ended, t0Wall.plusNanos(doneAt - t0)),
        polls);
    StringJoiner steps = new StringJoiner("; ");
    for (int i = 0; i < b.steps.size(); i++) {
      Step s = b.steps.get(i);
      String gap =
          i == 0 ? "" : String.format(", gap %d ms", ms(b.steps.get(i - 1).ended, s.started));
      steps.add(
          String.format(
              "%s +%d ms%s", s.name, ms(s.started, s.ended) - (long) (STEP_S * 1000), gap));
    }
    System.out.printf(
        "[single %d] steps (DB: duration over 1 s, gap after the previous step's end): %s%n",
        run, steps);
    temporalBreakdown("single " + run, List.of(WorkflowIds.build("single", "sim", template)));
    System.out.printf(
        "[single %d] CPU: java %.2f cores, mariadbd %.2f cores, other processes %.2f cores%s%n",
        run,
        cores[0],
        cores[1],
        cores[2],
        cores[2] > 0.25 ? " (NOISY: the machine was shared)" : "");
    System.out.printf(
        "RESULT ChainBench single run %d%s: wall %.3f s (POST -> GET shows succeeded), overhead %.3f s; "
            + "DB created_at -> ended_at %.3f s%s%n",
        run,
        run == 1 ? " (cold)" : "",
        wall,
        overhead,
        b.seconds(b.created, b.ended),
        cores[2] > 0.25 ? " NOISY" : "");
    return overhead;
  }

  // ---------------------------------------------------------------- 20 in parallel

  /** 20 builds at once on sim-a and sim-b; returns the seconds until all succeeded (-1 if not). */
  private double parallel(int run) throws Exception {
    String group = "par" + run;
    List<String[]> sources = new ArrayList<>(); // {provider, template}, interleaved a, b, a, b...
    for (int i = 1; i <= PAR_PER_PROVIDER; i++) {
      for (String p : PAR_PROVIDERS) {
        sources.add(new String[] {p, group + "-" + p + "-" + i});
      }
    }
    BenchSupport.waitForQuiet("parallel " + run, 0.25, quietWaitS);
    ExecutorService pool = Executors.newFixedThreadPool(sources.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<BenchSupport.Response>> posts = new ArrayList<>();
    URL buildsUrl = new URL(base + "/v1/builds");
    for (String[] s : sources) {
      byte[] body =
          ("{\"template\": \"" + s[1] + "\", \"provider\": \"" + s[0] + "\"}")
              .getBytes(StandardCharsets.UTF_8);
      posts.add(
          pool.submit(
              () -> {
                go.await();
                return BenchSupport.post(buildsUrl, body);
              }));
    }
    Thread.sleep(200); // let the 20 threads reach the latch
    BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
    Instant t0Wall = Instant.now();
    long t0 = System.nanoTime();
    go.countDown();
    List<Long> ids = new ArrayList<>();
    for (Future<BenchSupport.Response> f : posts) {
      BenchSupport.Response r = f.get();
      if (r.status() != 201) {
        System.out.printf(
            "RESULT ChainBench parallel run %d: POST /v1/builds answered %d %s%n",
            run, r.status(), r.body());
        pool.shutdownNow();
        return -1;
      }
      ids.add(json.readTree(r.body()).get("id").asLong());
    }
    long postsDone = System.nanoTime();
    pool.shutdown();
    String idList = ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    long deadline = t0 + Duration.ofSeconds(120).toNanos();
    long doneAt = -1;
    int succeeded = 0;
    int ended = 0;
    int polls = 0;
    try (Connection c = app.db().dataSource().getConnection();
        Statement st = c.createStatement()) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT SUM(state = 'succeeded'), SUM(state IN ('succeeded','failed','cancelled')) "
                    + "FROM build WHERE id IN ("
                    + idList
                    + ")")) {
          rs.next();
          succeeded = rs.getInt(1);
          ended = rs.getInt(2);
        }
        c.commit();
        polls++;
        if (ended == ids.size()) {
          doneAt = System.nanoTime();
          break;
        }
        long sleep = (t0 + polls * POLL_MS * 1_000_000L - System.nanoTime()) / 1_000_000;
        if (sleep > 0) {
          Thread.sleep(sleep);
        }
      }
    }
    double[] cores = BenchSupport.Cpu.now().coresSince(cpu0);
    // The API's view, once: every build with its steps.
    List<Build> builds = new ArrayList<>();
    for (long id : ids) {
      builds.add(
          Build.of(json.readTree(BenchSupport.get(new URL(base + "/v1/builds/" + id)).body())));
    }
    long apiSucceeded = builds.stream().filter(b -> b.state.equals("succeeded")).count();
    if (doneAt < 0 || succeeded != ids.size() || apiSucceeded != ids.size()) {
      System.out.printf(
          "RESULT ChainBench parallel run %d: %d of %d succeeded in the DB, %d in the API, %d ended%n",
          run, succeeded, ids.size(), apiSucceeded, ended);
      return -1;
    }
    double total = (doneAt - t0) / 1e9;
    Instant lastEnded =
        builds.stream().map(b -> b.ended).max(Comparator.naturalOrder()).orElseThrow();
    Instant firstCreated =
        builds.stream().map(b -> b.created).min(Comparator.naturalOrder()).orElseThrow();
    System.out.printf(
        "[parallel %d] 20 POSTs took %.0f ms; POSTs sent -> last ended_at %.3f s; "
            + "first created_at -> last ended_at %.3f s; %d DB polls%n",
        run,
        (postsDone - t0) / 1e6,
        Duration.between(t0Wall, lastEnded).toNanos() / 1e9,
        Duration.between(firstCreated, lastEnded).toNanos() / 1e9,
        polls);

    boolean overCap = false;
    for (String p : PAR_PROVIDERS) {
      List<Build> on =
          builds.stream()
              .filter(b -> b.provider.equals(p))
              .sorted(Comparator.comparing(b -> b.started))
              .toList();
      int maxBuilds = maxOverlap(on.stream().map(b -> new Instant[] {b.started, b.ended}).toList());
      int maxSteps =
          maxOverlap(
              on.stream()
                  .map(
                      b ->
                          new Instant[] {
                            b.steps.get(0).started, b.steps.get(b.steps.size() - 1).ended
                          })
                  .toList());
      overCap |= maxBuilds > PAR_SLOTS || maxSteps > PAR_SLOTS;
      List<Instant> ends = on.stream().map(b -> b.ended).sorted().toList();
      List<Instant> stepEnds =
          on.stream().map(b -> b.steps.get(b.steps.size() - 1).ended).sorted().toList();
      StringJoiner slotGaps = new StringJoiner(", ");
      List<Long> gaps = new ArrayList<>();
      List<Long> gapsToDeploy = new ArrayList<>();
      for (int k = PAR_SLOTS; k < on.size(); k++) {
        long g = ms(ends.get(k - PAR_SLOTS), on.get(k).started);
        gaps.add(g);
        gapsToDeploy.add(ms(stepEnds.get(k - PAR_SLOTS), on.get(k).steps.get(0).started));
        slotGaps.add(Long.toString(g));
      }
      StringJoiner waves = new StringJoiner(", ");
      for (int w = 0; w * PAR_SLOTS < on.size(); w++) {
        Build a = on.get(w * PAR_SLOTS);
        Build z = on.get(Math.min(on.size(), w * PAR_SLOTS + PAR_SLOTS) - 1);
        Instant waveEnd = ends.get(Math.min(ends.size(), w * PAR_SLOTS + PAR_SLOTS) - 1);
        waves.add(
            String.format(
                "w%d %.2f..%.2f->%.2f",
                w + 1, sec(t0Wall, a.started), sec(t0Wall, z.started), sec(t0Wall, waveEnd)));
      }
      System.out.printf(
          "[parallel %d] %s: max builds running at once %d (build started_at..ended_at), "
              + "%d (deploy started..finish ended); waves (s from POSTs sent: started..started->last ended): %s%n",
          run, p, maxBuilds, maxSteps, waves);
      System.out.printf(
          "[parallel %d] %s: slot freed (build ended_at) -> next build started_at, ms: [%s] mean %s; "
              + "finish ended -> next deploy started, ms mean/max %s; first wave POSTs sent -> started %d, %d ms%n",
          run,
          p,
          slotGaps,
          meanMax(gaps),
          meanMax(gapsToDeploy),
          ms(t0Wall, on.get(0).started),
          ms(t0Wall, on.get(1).started));
    }
    List<Long> chainOver = new ArrayList<>();
    List<Long> stepOver = new ArrayList<>();
    List<Long> stepGaps = new ArrayList<>();
    for (Build b : builds) {
      chainOver.add(ms(b.started, b.ended) - (long) (STEPS * STEP_S * 1000));
      for (int i = 0; i < b.steps.size(); i++) {
        stepOver.add(ms(b.steps.get(i).started, b.steps.get(i).ended) - (long) (STEP_S * 1000));
        if (i > 0) {
          stepGaps.add(ms(b.steps.get(i - 1).ended, b.steps.get(i).started));
        }
      }
    }
    System.out.printf(
        "[parallel %d] per build, ms mean/max: started_at -> ended_at over 6 s %s; step duration over 1 s %s; "
            + "gap between steps %s%n",
        run, meanMax(chainOver), meanMax(stepOver), meanMax(stepGaps));
    temporalBreakdown(
        "parallel " + run,
        sources.stream().map(s -> WorkflowIds.build(group, s[0], s[1])).toList());
    System.out.printf(
        "[parallel %d] CPU: java %.2f cores, mariadbd %.2f cores, other processes %.2f cores%s%n",
        run,
        cores[0],
        cores[1],
        cores[2],
        cores[2] > 0.25 ? " (NOISY: the machine was shared)" : "");
    System.out.printf(
        "RESULT ChainBench parallel run %d: 20 chains on 2 providers x 2 slots: %.2f s "
            + "(POSTs sent -> DB shows all 20 succeeded; limit 30 s, %+.1f %%); max builds at once per provider %s%s%n",
        run,
        total,
        (total / PAR_LIMIT_S - 1) * 100,
        overCap ? "EXCEEDED 2" : "<= 2 (ok)",
        cores[2] > 0.25 ? " NOISY" : "");
    return overCap ? -1 : total;
  }

  /**
   * Most intervals [from, to) open at one instant; an interval ending when another starts does not
   * overlap it.
   */
  private static int maxOverlap(List<Instant[]> intervals) {
    List<long[]> events = new ArrayList<>();
    for (Instant[] iv : intervals) {
      events.add(new long[] {iv[0].toEpochMilli(), +1});
      events.add(new long[] {iv[1].toEpochMilli(), -1});
    }
    events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    int open = 0;
    int max = 0;
    for (long[] e : events) {
      open += (int) e[1];
      max = Math.max(max, open);
    }
    return max;
  }

  // ---------------------------------------------------------------- Temporal histories

  /**
   * Where the time between steps goes, from the builds' workflow histories: activity scheduled ->
   * started (task dispatch), started -> completed, completed -> next activity scheduled (one
   * workflow task). Activities: tryStartBuild (slot), the six steps.
   */
  private void temporalBreakdown(String label, List<String> workflowIds) {
    Map<String, List<Long>> seg = new LinkedHashMap<>();
    try {
      WorkflowClient client = BenchApps.workflowClient(app);
      for (String wf : workflowIds) {
        Instant started = null;
        Instant firstWftStarted = null;
        Map<Long, String> scheduledType = new HashMap<>();
        Instant prevCompleted = null;
        String prevType = null;
        Map<Long, Instant> scheduledAt = new HashMap<>();
        Map<Long, Instant> startedAt = new HashMap<>();
        Instant lastEvent = null;
        for (HistoryEvent e : client.fetchHistory(wf).getEvents()) {
          Instant at =
              Instant.ofEpochSecond(e.getEventTime().getSeconds(), e.getEventTime().getNanos());
          lastEvent = at;
          switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> started = at;
            case EVENT_TYPE_WORKFLOW_TASK_STARTED -> {
              if (firstWftStarted == null) {
                firstWftStarted = at;
                add(seg, "workflow started -> 1st workflow task started", started, at);
              }
            }
            case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
              String type = e.getActivityTaskScheduledEventAttributes().getActivityType().getName();
              scheduledType.put(e.getEventId(), type);
              scheduledAt.put(e.getEventId(), at);
              if (prevCompleted != null && type.equals(prevType) && type.equals("TryStartBuild")) {
                add(
                    seg,
                    "queued: TryStartBuild refused -> asked again (slot wait)",
                    prevCompleted,
                    at);
              } else if (prevCompleted != null) {
                add(
                    seg,
                    "completed -> next scheduled (" + prevType + " -> " + type + ")",
                    prevCompleted,
                    at);
              } else {
                add(seg, "workflow started -> 1st activity scheduled", started, at);
              }
            }
            case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
              long sid = e.getActivityTaskStartedEventAttributes().getScheduledEventId();
              startedAt.put(sid, at);
              add(seg, "scheduled -> started", scheduledAt.get(sid), at);
            }
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
              long sid = e.getActivityTaskCompletedEventAttributes().getScheduledEventId();
              prevType = scheduledType.get(sid);
              prevCompleted = at;
              add(seg, "started -> completed " + prevType, startedAt.get(sid), at);
            }
            case EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED -> add(seg, "signals received", at, at);
            default -> {}
          }
        }
        add(seg, "last activity completed -> workflow completed", prevCompleted, lastEvent);
      }
    } catch (Exception e) {
      System.out.printf("[%s] no Temporal breakdown: %s%n", label, e);
      return;
    }
    StringJoiner out = new StringJoiner("; ");
    seg.forEach(
        (k, v) ->
            out.add(
                k.equals("signals received")
                    ? k + " " + v.size()
                    : k
                        + " "
                        + meanMax(v)
                        + (v.size() > workflowIds.size() ? " (n=" + v.size() + ")" : "")));
    System.out.printf("[%s] Temporal histories, ms (mean / max): %s%n", label, out);
  }

  // ---------------------------------------------------------------- helpers

  private record Step(String name, Instant started, Instant ended) {}

  private record Build(
      long id,
      String provider,
      String state,
      Instant created,
      Instant started,
      Instant ended,
      List<Step> steps) {
    static Build of(JsonNode n) {
      List<Step> steps = new ArrayList<>();
      for (JsonNode s : n.get("steps")) {
        steps.add(
            new Step(
                s.get("name").asText(), instant(s.get("started_at")), instant(s.get("ended_at"))));
      }
      steps.sort(Comparator.comparingInt(s -> STEP_NAMES.indexOf(s.name())));
      return new Build(
          n.get("id").asLong(),
          n.get("provider").asText(),
          n.get("state").asText(),
          instant(n.get("created_at")),
          instant(n.get("started_at")),
          instant(n.get("ended_at")),
          steps);
    }

    double seconds(Instant from, Instant to) {
      return Duration.between(from, to).toNanos() / 1e9;
    }
  }

  private static Instant instant(JsonNode n) {
    return n == null || n.isNull() ? null : Instant.parse(n.asText());
  }

  private static long ms(Instant from, Instant to) {
    return Duration.between(from, to).toMillis();
  }

  private static double sec(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }

  private static void add(Map<String, List<Long>> seg, String key, Instant from, Instant to) {
    if (from != null && to != null) {
      seg.computeIfAbsent(key, k -> new ArrayList<>()).add(Duration.between(from, to).toMillis());
    }
  }

  private static String meanMax(List<Long> values) {
    if (values.isEmpty()) {
      return "-";
    }
    return String.format(
        "%.0f / %d",
        values.stream().mapToLong(Long::longValue).average().orElse(0),
        values.stream().mapToLong(Long::longValue).max().orElse(0));
  }
}
