package dev.corral.bench;

// A benchmark is one scenario read top to bottom (setup, load, figures); its parts are used nowhere
// else, so
// it stays one file although it is over 400 lines.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.CorralConfig;
import dev.corral.web.BenchApps;
import dev.corral.web.CorralApp;
import dev.corral.workflows.WorkflowIds;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fill time of an empty pool of 50 on a simulated provider with clone 2 s + boot 2 s (fixed),
 * max_concurrent_clones 10 and max_vms 100: five waves of ten 4-second provisions, so 20 s is the
 * physical limit and 22 s (+10 %) the target.
 *
 * <p>Each run uses a fresh data dir. The clock starts when CorralApp.start returns (the shepherd
 * has been started) and stops at the first GET /v1/pools, polled every 50 ms, that shows ready =
 * 50. The database's own view is reported too: first VM row's created_at to the last ready_at.
 *
 * <p>Usage: {@code FillBench [RUNS]} (default 3); prints every run and the median.
 */
public final class FillBench {
  private static final String POOL = "fill";
  private static final int SIZE = 50;
  private static final long POLL_MS = 50;
  private static final Duration GIVE_UP = Duration.ofSeconds(90);

  /**
   * {@code FillBench [RUNS [QUIET_WAIT_S]] [--same-jvm]}. By default every run is a fresh JVM (this
   * main starts itself again with {@code --single N}), because a pool fills right after Corral
   * starts, with a cold JIT; {@code --same-jvm} runs them one after the other in this JVM instead
   * (later runs warm).
   */
  public static void main(String[] args) throws Exception {
    List<String> plain = new ArrayList<>();
    boolean sameJvm = false;
    int single = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--same-jvm" -> sameJvm = true;
        case "--single" -> single = Integer.parseInt(args[++i]);
        default -> plain.add(args[i]);
      }
    }
    int runs = plain.size() > 0 ? Integer.parseInt(plain.get(0)) : 3;
    long quietWaitS = plain.size() > 1 ? Long.parseLong(plain.get(1)) : 180;
    if (single > 0) {
      BenchSupport.watchdog("FillBench run " + single, 150L + quietWaitS);
      double[] r = runOnce(single, quietWaitS);
      System.exit(r[0] >= 0 ? 0 : 1);
    }
    BenchSupport.watchdog("FillBench", 60L + runs * (160L + quietWaitS));
    System.out.printf(
        "FillBench: pool of %d, clone 2 s + boot 2 s, max_concurrent_clones 10, max_vms 100; "
            + "physical limit 5 x 4 s = 20 s, target <= 22 s; %d runs, %s; %d cores, max heap %d MB, Java %s%n",
        SIZE,
        runs,
        sameJvm ? "all in this JVM" : "each in a fresh JVM",
        Runtime.getRuntime().availableProcessors(),
        BenchSupport.availableMemoryMb(),
        System.getProperty("java.version"));
    double[] api = new double[runs];
    double[] db = new double[runs];
    boolean allFilled = true;
    for (int i = 0; i < runs; i++) {
      double[] r = sameJvm ? runOnce(i + 1, quietWaitS) : runForked(i + 1, quietWaitS);
      api[i] = r[0];
      db[i] = r[1];
      allFilled &= r[0] >= 0;
    }
    System.out.printf(
        "RESULT FillBench median of %d: API %.2f s (start returned -> /v1/pools ready=%d), "
            + "DB %.2f s (first created_at -> last ready_at); target <= 22 s: %s%n",
        runs,
        BenchSupport.median(api),
        SIZE,
        BenchSupport.median(db),
        allFilled && BenchSupport.median(api) <= 22.0 ? "met" : "MISSED");
    System.exit(allFilled ? 0 : 1);
  }

  private static final String LOG_FILE_PROPERTY = "-Dorg.slf4j.simpleLogger.logFile=";
  private static final Pattern RUN_RESULT =
      Pattern.compile("RESULT FillBench run \\d+: API ([0-9.]+) s .* DB ([0-9.-]+) s .*");

  /**
   * One run in a child JVM with this JVM's options and class path; its output is passed through.
   */
  private static double[] runForked(int run, long quietWaitS) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // Each run gets its own app log (slf4j-simple truncates the file it opens).
      cmd.add(
          arg.startsWith(LOG_FILE_PROPERTY)
              ? arg.replaceFirst("(\\.log)?$", "-run" + run + ".log")
              : arg);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(FillBench.class.getName());
    cmd.add("--single");
    cmd.add(Integer.toString(run));
    cmd.add("1");
    cmd.add(Long.toString(quietWaitS));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    double[] result = {-1, -1};
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        System.out.println(line);
        Matcher m = RUN_RESULT.matcher(line);
        if (m.matches()) {
          result = new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
        }
      }
    }
    child.waitFor();
    return result;
  }

  /**
   * Where each VM's time went, from the database (row reserved, ready) and the simulated provider's
   * state file (clone started, boot done): reserve -> clone start is workflow start plus activity
   * dispatch, clone start -> boot done is the simulated 4 s, boot done -> ready is readiness
   * polling plus markReady. The i-th reservation after the first wave waits for the (i-10)-th VM to
   * become ready: that gap is the shepherd's reaction (nudge, plan, reserve).
   */
  private static void breakdown(
      int run, Path dataDir, Map<String, Instant[]> rows, ObjectMapper json) {
    Path state = dataDir.resolve("providers").resolve("sim.json");
    List<Long> dispatch = new ArrayList<>();
    List<Long> provider = new ArrayList<>();
    List<Long> detect = new ArrayList<>();
    try {
      for (JsonNode vm : json.readTree(state.toFile()).get("vms")) {
        Instant[] row = rows.get(vm.get("name").asText());
        if (row == null
            || row[1] == null
            || vm.get("createdAt").isNull()
            || vm.get("bootDoneAt").isNull()) {
          continue;
        }
        Instant cloneStart = Instant.parse(vm.get("createdAt").asText());
        Instant bootDone = Instant.parse(vm.get("bootDoneAt").asText());
        dispatch.add(Duration.between(row[0], cloneStart).toMillis());
        provider.add(Duration.between(cloneStart, bootDone).toMillis());
        detect.add(Duration.between(bootDone, row[1]).toMillis());
      }
    } catch (Exception e) {
      System.out.printf("[run %d] no breakdown: cannot read %s: %s%n", run, state, e);
      return;
    }
    List<Instant> created = rows.values().stream().map(r -> r[0]).sorted().toList();
    List<Instant> ready =
        rows.values().stream().map(r -> r[1]).filter(r -> r != null).sorted().toList();
    List<Long> reaction = new ArrayList<>();
    for (int i = 10; i < created.size() && i - 10 < ready.size(); i++) {
      reaction.add(Duration.between(ready.get(i - 10), created.get(i)).toMillis());
    }
    System.out.printf(
        "[run %d] per VM, ms (mean / max): reserved -> clone started %s; clone+boot %s; "
            + "boot done -> ready in DB %s; slot freed -> next VM reserved %s%n",
        run, meanMax(dispatch), meanMax(provider), meanMax(detect), meanMax(reaction));
  }

  /**
   * The same VMs seen from their Temporal histories (fetched from the embedded server while it
   * still runs): which hop of the workflow costs what between "row reserved" and "clone started",
   * and between "boot done" and "ready in the database".
   */
  private static void temporalBreakdown(
      CorralApp app, int run, Path dataDir, Map<String, Instant[]> rows, ObjectMapper json) {
    Map<String, List<Long>> seg = new java.util.LinkedHashMap<>();
    for (String k :
        List.of(
            "reserved -> workflow started",
            "workflow started -> 1st workflow task started",
            "1st workflow task started -> completed",
            "clone scheduled -> started",
            "clone started -> provider clone start",
            "boot done -> awaitReady completed",
            "awaitReady completed -> markReady started",
            "markReady started -> ready in DB")) {
      seg.put(k, new ArrayList<>());
    }
    try {
      JsonNode sim =
          json.readTree(dataDir.resolve("providers").resolve("sim.json").toFile()).get("vms");
      Map<String, JsonNode> simByName = new HashMap<>();
      sim.forEach(vm -> simByName.put(vm.get("name").asText(), vm));
      WorkflowClient client = BenchApps.workflowClient(app);
      for (Map.Entry<String, Instant[]> row : rows.entrySet()) {
        JsonNode vm = simByName.get(row.getKey());
        if (vm == null || row.getValue()[1] == null) {
          continue;
        }
        Instant cloneStart = Instant.parse(vm.get("createdAt").asText());
        Instant bootDone = Instant.parse(vm.get("bootDoneAt").asText());
        Instant started = null;
        Instant wftStarted = null;
        Instant wftCompleted = null;
        Map<Long, String> scheduledType = new HashMap<>();
        Map<String, Instant> scheduledAt = new HashMap<>();
        Map<String, Instant> startedAt = new HashMap<>();
        Map<String, Instant> completedAt = new HashMap<>();
        Map<Long, String> startedType = new HashMap<>();
        for (HistoryEvent e : client.fetchHistory(WorkflowIds.vm(row.getKey())).getEvents()) {
          Instant at =
              Instant.ofEpochSecond(e.getEventTime().getSeconds(), e.getEventTime().getNanos());
          switch (e.getEventType()) {
            case EVENT_TYPE_WORKFLOW_EXECUTION_STARTED -> started = at;
            case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
                wftStarted = wftStarted == null ? at : wftStarted;
            case EVENT_TYPE_WORKFLOW_TASK_COMPLETED ->
                wftCompleted = wftCompleted == null ? at : wftCompleted;
            case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> {
              String type =
                  e.getActivityTaskScheduledEventAttributes()
                      .getActivityType()
                      .getName()
                      .toLowerCase();
              scheduledType.put(e.getEventId(), type);
              scheduledAt.putIfAbsent(type, at);
            }
            case EVENT_TYPE_ACTIVITY_TASK_STARTED -> {
              String type =
                  scheduledType.get(
                      e.getActivityTaskStartedEventAttributes().getScheduledEventId());
              startedType.put(e.getEventId(), type);
              startedAt.putIfAbsent(type, at);
            }
            case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
                completedAt.putIfAbsent(
                    scheduledType.get(
                        e.getActivityTaskCompletedEventAttributes().getScheduledEventId()),
                    at);
            default -> {}
          }
        }
        add(seg, "reserved -> workflow started", row.getValue()[0], started);
        add(seg, "workflow started -> 1st workflow task started", started, wftStarted);
        add(seg, "1st workflow task started -> completed", wftStarted, wftCompleted);
        add(
            seg,
            "clone scheduled -> started",
            scheduledAt.get("clonevm"),
            startedAt.get("clonevm"));
        add(seg, "clone started -> provider clone start", startedAt.get("clonevm"), cloneStart);
        add(seg, "boot done -> awaitReady completed", bootDone, completedAt.get("awaitvmready"));
        add(
            seg,
            "awaitReady completed -> markReady started",
            completedAt.get("awaitvmready"),
            startedAt.get("markvmready"));
        add(
            seg,
            "markReady started -> ready in DB",
            startedAt.get("markvmready"),
            row.getValue()[1]);
      }
    } catch (Exception e) {
      System.out.printf("[run %d] no Temporal breakdown: %s%n", run, e);
      return;
    }
    StringJoiner out = new StringJoiner("; ");
    seg.forEach((k, v) -> out.add(k + " " + meanMax(v)));
    System.out.printf("[run %d] per VM from Temporal histories, ms (mean / max): %s%n", run, out);
  }

  private static void add(Map<String, List<Long>> seg, String key, Instant from, Instant to) {
    if (from != null && to != null) {
      seg.get(key).add(Duration.between(from, to).toMillis());
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

  /** Returns {api seconds, db seconds}; api is -1 when the pool did not fill in time. */
  private static double[] runOnce(int run, long quietWaitS) throws Exception {
    Path dataDir = BenchSupport.freshDir("fill-" + run);
    BenchSupport.waitForQuiet("run " + run, 0.25, quietWaitS);
    CorralConfig config = BenchSupport.config(dataDir, POOL, SIZE, 100, 10, "2", "2");
    ObjectMapper json = new ObjectMapper();
    long bootStart = System.nanoTime();
    try (CorralApp app = CorralApp.start(config)) {
      long t0 = System.nanoTime();
      Instant t0Wall = Instant.now();
      BenchSupport.Cpu cpu0 = BenchSupport.Cpu.now();
      URL pools = new URL(app.baseUrl() + "/v1/pools");
      long deadline = t0 + GIVE_UP.toNanos();
      int ready = -1;
      int polls = 0;
      long filledAt = -1;
      while (System.nanoTime() < deadline) {
        BenchSupport.Response r = BenchSupport.get(pools);
        polls++;
        if (r.status() == 200) {
          for (JsonNode pool : json.readTree(r.body())) {
            if (POOL.equals(pool.get("name").asText())) {
              ready = pool.get("ready").asInt();
            }
          }
        }
        if (ready >= SIZE) {
          filledAt = System.nanoTime();
          break;
        }
        long next = t0 + (polls) * POLL_MS * 1_000_000L;
        long sleep = (next - System.nanoTime()) / 1_000_000;
        if (sleep > 0) {
          Thread.sleep(sleep);
        }
      }
      double apiSeconds = filledAt < 0 ? -1 : (filledAt - t0) / 1e9;
      double[] cores = BenchSupport.Cpu.now().coresSince(cpu0);

      // The database's view: provisioning rows' created_at and ready_at (written by the app's
      // clock).
      List<Instant> created = new ArrayList<>();
      List<Instant> readyAt = new ArrayList<>();
      Map<String, Instant[]> rows = new HashMap<>();
      try (Connection c = app.db().dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT name, created_at, ready_at FROM vm WHERE pool = '"
                      + POOL
                      + "' ORDER BY created_at, id")) {
        while (rs.next()) {
          Instant made = rs.getTimestamp(2).toInstant();
          Instant madeReady = rs.getTimestamp(3) == null ? null : rs.getTimestamp(3).toInstant();
          created.add(made);
          if (madeReady != null) {
            readyAt.add(madeReady);
          }
          rows.put(rs.getString(1), new Instant[] {made, madeReady});
        }
        c.commit();
      }
      breakdown(run, dataDir, rows, json);
      temporalBreakdown(app, run, dataDir, rows, json);
      readyAt.sort(null);
      double dbSeconds =
          created.isEmpty() || readyAt.isEmpty()
              ? -1
              : Duration.between(created.get(0), readyAt.get(readyAt.size() - 1)).toNanos() / 1e9;
      // Waves: when each group of ten rows was created, and when its last VM became ready, relative
      // to t0.
      StringJoiner waves = new StringJoiner(", ");
      for (int w = 0; w * 10 < created.size(); w++) {
        Instant firstCreated = created.get(w * 10);
        Instant lastCreated = created.get(Math.min(created.size(), w * 10 + 10) - 1);
        String readyPart =
            readyAt.size() >= w * 10 + 10
                ? String.format(
                    "%.2f", Duration.between(t0Wall, readyAt.get(w * 10 + 9)).toNanos() / 1e9)
                : "-";
        waves.add(
            String.format(
                "w%d created %.2f..%.2f ready %s",
                w + 1,
                Duration.between(t0Wall, firstCreated).toNanos() / 1e9,
                Duration.between(t0Wall, lastCreated).toNanos() / 1e9,
                readyPart));
      }
      System.out.printf(
          "[run %d] CorralApp.start took %.1f s; %d VM rows, %d ready; %d polls; seconds from start returned: %s%n",
          run, (t0 - bootStart) / 1e9, created.size(), readyAt.size(), polls, waves);
      System.out.printf(
          "[run %d] CPU while filling: java %.2f cores, mariadbd %.2f cores, other processes %.2f cores%s%n",
          run,
          cores[0],
          cores[1],
          cores[2],
          cores[2] > 0.25 ? " (NOISY: the machine was shared)" : "");
      if (filledAt < 0) {
        System.out.printf(
            "RESULT FillBench run %d: NOT FILLED within %d s (last ready = %d)%n",
            run, GIVE_UP.toSeconds(), ready);
      } else {
        System.out.printf(
            "RESULT FillBench run %d: API %.2f s (start returned -> /v1/pools ready=%d), "
                + "DB %.2f s (first created_at -> last ready_at)%n",
            run, apiSeconds, SIZE, dbSeconds);
      }
      System.out.flush();
      return new double[] {apiSeconds, dbSeconds};
    }
  }
}
