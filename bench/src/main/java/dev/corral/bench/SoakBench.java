package dev.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.CorralConfig;
import dev.corral.web.CorralApp;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether Corral lasts: a churn of VM lifecycles (lease, release, destroy, clone, ready) in the
 * embedded default (embedded MariaDB and Temporal, the simulated provider with zero delays), 4
 * clients on a pool of 40, for LIFECYCLES lifecycles. Every minute it prints the lifecycles done,
 * the rate and the live heap after a forced full GC; at the end the largest live heap against the
 * 300 MB target and the rate of the last tenth of the run against the first tenth after the warm-up
 * (target: within 10 %), then checks that nothing leaked: the pool settles full and the provider
 * runs exactly the VMs the database knows.
 *
 * <p>A lifecycle is one lease and its release: the release destroys the VM and the shepherd clones
 * another.
 *
 * <p>Usage: {@code SoakBench [LIFECYCLES [WARMUP_S [QUIET_WAIT_S]]]} (default 20,000, 90 s, 180 s).
 */
public final class SoakBench {
  private static final String POOL = "soak";
  private static final int SIZE = 40;
  private static final int CLIENTS = 4;
  private static final long REPORT_EVERY_MS = 60_000;
  static final long HEAP_TARGET_MB = 300;
  static final double FLATNESS_TARGET = 0.10;

  private final AtomicLong done = new AtomicLong();
  private final AtomicLong emptyAnswers = new AtomicLong();
  private final AtomicLong otherAnswers = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();

  public static void main(String[] args) throws Exception {
    long lifecycles = args.length > 0 ? Long.parseLong(args[0]) : 20_000;
    long warmupS = args.length > 1 ? Long.parseLong(args[1]) : 90;
    long quietWaitS = args.length > 2 ? Long.parseLong(args[2]) : 180;
    // A generous bound: the run itself takes lifecycles / ~20 per second.
    BenchSupport.watchdog("SoakBench", 600 + quietWaitS + warmupS + lifecycles / 5);
    System.exit(new SoakBench().run(lifecycles, warmupS, quietWaitS) ? 0 : 1);
  }

  private boolean run(long lifecycles, long warmupS, long quietWaitS) throws Exception {
    System.out.printf(
        "SoakBench: %,d VM lifecycles (lease, release, destroy, clone, ready), %d clients, pool of %d,"
            + " simulated provider with zero delays, embedded MariaDB and Temporal; warm-up %d s; %d cores, max heap"
            + " %d MB, Java %s%n",
        lifecycles,
        CLIENTS,
        SIZE,
        warmupS,
        Runtime.getRuntime().availableProcessors(),
        BenchSupport.availableMemoryMb(),
        System.getProperty("java.version"));
    Path dataDir = BenchSupport.freshDir("soak");
    CorralConfig config = BenchSupport.config(dataDir, POOL, SIZE, 1000, 10, "0", "0");
    try (CorralApp app = CorralApp.start(config)) {
      awaitReady(app, SIZE, Duration.ofMinutes(2));
      BenchSupport.waitForQuiet("soak", 0.25, quietWaitS);
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        Thread client = new Thread(() -> churn(app.baseUrl()), "soak-client-" + i);
        client.setDaemon(true);
        client.start();
        clients.add(client);
      }
      Measurement m = measure(lifecycles, warmupS);
      stop.set(true);
      for (Thread client : clients) {
        client.join(30_000);
      }
      return report(app, m);
    }
  }

  /**
   * Tenths of the measured run: lifecycles and seconds each; and the live heap after each minute's
   * GC.
   */
  private record Measurement(
      long[] tenthNanos, long tenthSize, List<Long> heapsMb, long warmupDone, double otherCores) {}

  private Measurement measure(long lifecycles, long warmupS) throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long started = System.nanoTime();
    long warmupEnd = started + warmupS * 1_000_000_000L;
    long measuredFrom = -1;
    long tenthSize = 0;
    long[] tenthNanos = new long[10];
    int tenth = 0;
    long tenthStarted = 0;
    List<Long> heaps = new ArrayList<>();
    long nextReport = started + REPORT_EVERY_MS * 1_000_000L;
    long lastReportDone = 0;
    long lastReportAt = started;
    BenchSupport.Cpu cpuAtStart = null;
    double otherCores = 0;
    System.out.println(
        "minute  lifecycles  per-second  live-heap-after-GC  (503 empty / other answers so far)");
    while (true) {
      Thread.sleep(20);
      long now = System.nanoTime();
      long count = done.get();
      if (measuredFrom < 0 && now >= warmupEnd) {
        measuredFrom = count;
        tenthSize = Math.max(1, (lifecycles - count) / 10);
        tenthStarted = now;
        cpuAtStart = BenchSupport.Cpu.now();
        System.out.printf(
            "warm-up over after %,d lifecycles; measuring the next %,d in tenths of %,d%n",
            count, lifecycles - count, tenthSize);
      }
      if (measuredFrom >= 0 && tenth < 10 && count - measuredFrom >= (tenth + 1) * tenthSize) {
        tenthNanos[tenth++] = now - tenthStarted;
        tenthStarted = now;
      }
      if (now >= nextReport) {
        long heapMb = liveHeapMb(memory);
        heaps.add(heapMb);
        long minute = heaps.size();
        double rate = (count - lastReportDone) / ((now - lastReportAt) / 1e9);
        System.out.printf(
            "%6d  %,10d  %10.1f  %15d MB  (%d / %d)%n",
            minute, count, rate, heapMb, emptyAnswers.get(), otherAnswers.get());
        lastReportDone = count;
        lastReportAt = now;
        nextReport += REPORT_EVERY_MS * 1_000_000L;
      }
      if (tenth == 10 || count >= lifecycles && measuredFrom >= 0) {
        if (cpuAtStart != null) {
          otherCores = BenchSupport.Cpu.now().coresSince(cpuAtStart)[2];
        }
        heaps.add(liveHeapMb(memory));
        return new Measurement(tenthNanos, tenthSize, heaps, measuredFrom, otherCores);
      }
    }
  }

  /**
   * The heap in use after a full GC. A requested GC can be skipped (a thread in a JNI critical
   * region holds the GC locker), which would count garbage as live: the least of three tries is the
   * live heap.
   */
  private static long liveHeapMb(MemoryMXBean memory) {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      memory.gc();
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least / (1024 * 1024);
  }

  private boolean report(CorralApp app, Measurement m) throws Exception {
    double first = m.tenthSize() / (m.tenthNanos()[0] / 1e9);
    double last = m.tenthSize() / (m.tenthNanos()[9] / 1e9);
    StringBuilder tenths = new StringBuilder();
    for (long nanos : m.tenthNanos()) {
      tenths.append(String.format(" %.1f", m.tenthSize() / (nanos / 1e9)));
    }
    long maxHeap = m.heapsMb().stream().mapToLong(Long::longValue).max().orElse(0);
    long endHeap = m.heapsMb().get(m.heapsMb().size() - 1);
    double change = (last - first) / first;
    boolean heapMet = maxHeap < HEAP_TARGET_MB;
    boolean flatMet = Math.abs(change) <= FLATNESS_TARGET || change > 0;
    System.out.printf("lifecycles/s per tenth:%s%n", tenths);
    System.out.printf(
        "RESULT live heap after GC: max %d MB, at the end %d MB (target < %d MB): %s%n",
        maxHeap, endHeap, HEAP_TARGET_MB, heapMet ? "met" : "MISSED");
    System.out.printf(
        "RESULT lifecycles/s: first tenth %.1f, last tenth %.1f (%+.1f %%; target within %.0f %%): %s%n",
        first, last, change * 100, FLATNESS_TARGET * 100, flatMet ? "met" : "MISSED");
    System.out.printf(
        "RESULT answers: %,d lifecycles, %,d 503 empty pool (retried), %,d other; other processes used"
            + " %.2f cores during the measurement%s%n",
        done.get(),
        emptyAnswers.get(),
        otherAnswers.get(),
        m.otherCores(),
        m.otherCores() > 0.25 ? " NOISY" : "");
    boolean clean = awaitSettled(app);
    return heapMet && flatMet && clean && otherAnswers.get() == 0;
  }

  /**
   * Lease one VM, release it, again; a 503 (the pool is refilling) is retried after a short pause.
   */
  private void churn(String baseUrl) {
    byte[] body =
        ("{\"vms\": {\"" + POOL + "\": 1}, \"lifetime\": \"1h\"}").getBytes(StandardCharsets.UTF_8);
    ObjectMapper json = new ObjectMapper();
    try {
      URL leases = new URL(baseUrl + "/v1/leases");
      while (!stop.get()) {
        BenchSupport.Response granted = BenchSupport.post(leases, body);
        if (granted.status() == 503) {
          emptyAnswers.incrementAndGet();
          // The pool refills at the clone pipeline's pace; asking again at once only takes CPU from
          // it.
          Thread.sleep(20);
          continue;
        }
        if (granted.status() != 201) {
          otherAnswers.incrementAndGet();
          System.out.println("unexpected answer " + granted.status() + ": " + granted.body());
          Thread.sleep(100);
          continue;
        }
        String id = json.readTree(granted.body()).get("id").asText();
        HttpURLConnection release =
            (HttpURLConnection) new URL(baseUrl + "/v1/leases/" + id).openConnection();
        release.setRequestMethod("DELETE");
        int status = release.getResponseCode();
        release.getInputStream().readAllBytes();
        release.getInputStream().close();
        if (status == 200) {
          done.incrementAndGet();
        } else {
          otherAnswers.incrementAndGet();
        }
      }
    } catch (Exception e) {
      System.out.println("client failed: " + e);
      otherAnswers.incrementAndGet();
    }
  }

  private static void awaitReady(CorralApp app, int ready, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Long> states = BenchSupport.vmStates(app, POOL);
      if (states.getOrDefault("ready", 0L) == ready
          && states.getOrDefault("provisioning", 0L) == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the pool did not fill: " + BenchSupport.vmStates(app, POOL));
  }

  /**
   * After the churn: the pool full again, nothing provisioning or destroying, and the provider =
   * the database.
   */
  private static boolean awaitSettled(CorralApp app) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    Map<String, Long> states = Map.of();
    Set<String> provider = Set.of();
    Set<String> live = Set.of();
    while (System.nanoTime() < deadline) {
      states = BenchSupport.vmStates(app, POOL);
      JsonNode inventory =
          new ObjectMapper()
              .readTree(
                  BenchSupport.get(new URL(app.baseUrl() + "/v1/providers/sim/inventory")).body());
      provider = new TreeSet<>();
      for (JsonNode vm :
          inventory.path("vms").isMissingNode() ? inventory : inventory.path("vms")) {
        provider.add(vm.path("name").asText());
      }
      JsonNode vms =
          new ObjectMapper()
              .readTree(
                  BenchSupport.get(
                          new URL(
                              app.baseUrl() + "/v1/vms?pool=" + POOL + "&state=ready&limit=1000"))
                      .body());
      live = new TreeSet<>();
      for (JsonNode vm : vms.path("vms").isMissingNode() ? vms : vms.path("vms")) {
        live.add(vm.path("name").asText());
      }
      if (states.getOrDefault("ready", 0L) == SIZE
          && states.getOrDefault("provisioning", 0L) == 0
          && states.getOrDefault("destroying", 0L) == 0
          && states.getOrDefault("leased", 0L) == 0
          && provider.equals(live)) {
        System.out.printf(
            "RESULT after the churn: VM states %s; the provider runs exactly the %d ready VMs: no leak%n",
            states, live.size());
        return true;
      }
      Thread.sleep(500);
    }
    System.out.printf(
        "RESULT after the churn: NOT SETTLED: VM states %s; provider runs %d VMs, database has %d ready;"
            + " only on the provider: %s%n",
        states, provider.size(), live.size(), minus(provider, live));
    return false;
  }

  private static Set<String> minus(Set<String> a, Set<String> b) {
    Set<String> out = new TreeSet<>(a);
    out.removeAll(b);
    return out;
  }
}
