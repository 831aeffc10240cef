package dev.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.config.ConfigLoader;
import dev.corral.web.CorralApp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * A pool of 4 VMs filled by Corral's libvirt provider on this host's libvirtd ({@code
 * qemu:///system}, TCG, 128 MiB, 1 vCPU, user-mode networking on 127.0.0.1), against the same 4
 * domains defined and started by hand at once ({@code bench/libvirt-boots.sh 4}, the physical limit
 * on 2 cores). Target: within 15 % of the by-hand figure.
 *
 * <p>Each run is a fresh JVM (a pool fills right after Corral starts, with a cold JIT) with its own
 * transient dir storage pool under bench/target holding template {@code base} (the guest's
 * base.qcow2 and base.json sidecar), its own metadata scope and data dir. Each clock stops at the
 * last VM's ready_at (Corral's own record of the moment its readiness check passed; the pool is
 * polled every 250 ms only to know when to look):
 *
 * <ul>
 *   <li>fill: from CorralApp.start returning, as QemuBench. The shepherd starts clones during
 *       start-up, so the database's span, first VM created to last VM ready, is printed beside it;
 *       Corral's JVM still compiles on the same cores meanwhile.
 *   <li>refill 1 and 2: the same Corral empties the pool (size 0 through vmpooler's pool size
 *       override) and is asked for 4 again; the clock starts at that request. This is the like of
 *       the by-hand figure: no start-up, the same work from nothing to 4 answering guests. The
 *       second refill runs with a warmer JIT.
 * </ul>
 *
 * <p>Afterwards every domain of the run's scope is destroyed and undefined and the pool and its
 * volumes removed, by the run itself and again by the parent JVM, so that a run that died leaves
 * nothing either.
 *
 * <p>Before each run, {@code bench/libvirt-boots.sh 4} runs once (from the directory above
 * bench.target): by hand and Corral alternate, so that both see the same load on a shared host, and
 * their medians are compared.
 *
 * <p>Usage: {@code LibvirtBench GUEST_DIR [RUNS [QUIET_WAIT_S]]} (default 3 runs, 180 s); GUEST_DIR
 * holds what tools/guest/build.sh made.
 */
public final class LibvirtBench {
  private static final String URI = "qemu:///system";
  private static final String NAMESPACE = "https://corral.dev/xmlns/libvirt/vm/1";
  private static final int SIZE = 4;
  private static final double TARGET = 1.15;
  private static final Duration GIVE_UP = Duration.ofMinutes(5);
  private static final String LOG_FILE_PROPERTY = "-Dorg.slf4j.simpleLogger.logFile=";

  /**
   * libvirt prints every error to stderr unless told otherwise, and a clean-up that finds things
   * gone, or libvirtd restarting, is not news. Held here so the native callback is never collected.
   */
  private static final org.libvirt.jna.Libvirt.VirErrorCallback SILENT = (userData, error) -> {};

  /**
   * How often the pool is polled. The clocks stop at the last VM's ready_at, so polling only says
   * when to look; polling every 50 ms took ~0.06 of the 2 cores the guests boot on (Jetty and the
   * database answering /v1/pools).
   */
  private static final long POLL_MS = 250;

  /** A run's result lines: the fill after start, then the two refills. */
  private static final List<String> PHASES = List.of("fill", "refill 1", "refill 2");

  private static final Pattern RUN_RESULT =
      Pattern.compile("RESULT LibvirtBench run \\d+: (fill|refill 1|refill 2) ([0-9.]+) s .*");

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--single")) {
      int run = Integer.parseInt(args[1]);
      Path guest = Path.of(args[2]);
      long quietWait = Long.parseLong(args[3]);
      BenchSupport.watchdog("LibvirtBench run " + run, 900 + 3 * quietWait);
      System.exit(runOnce(run, guest, quietWait) ? 0 : 1);
    }
    Path guest = Path.of(args[0]).toAbsolutePath();
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long quietWait = args.length > 2 ? Long.parseLong(args[2]) : 180;
    BenchSupport.watchdog("LibvirtBench", 60 + runs * (1080 + 4 * quietWait));
    System.out.printf(
        "LibvirtBench: pool of %d x 128 MiB on %s (TCG), max_concurrent_clones %d; %d runs, each"
            + " right after one by hand and in a fresh JVM; %d cores, Java %s%n",
        SIZE,
        URI,
        SIZE,
        runs,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    // Per run: fill, refill 1, refill 2; -1 where the run failed.
    double[][] r = new double[runs][];
    double[] byHand = new double[runs];
    boolean allFilled = true;
    for (int i = 0; i < runs; i++) {
      // By hand and Corral alternate, so that both see the same other load on this shared host.
      byHand[i] = byHand(i + 1, guest, quietWait);
      r[i] = runForked(i + 1, guest, quietWait);
      // Whatever the run left (it died, or libvirtd restarted under its own clean-up).
      cleanUp(scope(i + 1), poolName(i + 1), runDir(i + 1));
      allFilled &= Arrays.stream(r[i]).allMatch(x -> x >= 0);
    }
    double baseline = byHand[0] < 0 ? -1 : BenchSupport.median(byHand);
    System.out.printf(
        "RESULT libvirt-boots median of %d: %.2f s %s (%d domains by hand at once)%n",
        runs, baseline, Arrays.toString(byHand), SIZE);
    for (int i = 0; i < PHASES.size(); i++) {
      System.out.printf(
          "RESULT LibvirtBench median of %d: %s %s%n",
          runs, PHASES.get(i), against(BenchSupport.column(r, i), baseline, allFilled));
    }
    System.exit(allFilled ? 0 : 1);
  }

  /** The median of the runs' figures and how it compares with the by-hand figure. */
  private static String against(double[] figures, double baseline, boolean allFilled) {
    double median = BenchSupport.median(figures);
    String all = Arrays.toString(figures);
    if (baseline <= 0) {
      return String.format("%.2f s %s; no by-hand figure given", median, all);
    }
    return String.format(
        "%.2f s %s, by hand (libvirt-boots.sh %d) %.2f s: %+.1f %% (target within %.0f %%): %s",
        median,
        all,
        SIZE,
        baseline,
        (median / baseline - 1) * 100,
        (TARGET - 1) * 100,
        allFilled && median <= baseline * TARGET ? "met" : "MISSED");
  }

  private static final Pattern BY_HAND =
      Pattern.compile("RESULT libvirt-boots n=\\d+ wall=([0-9.]+) .*");

  /**
   * {@code bench/libvirt-boots.sh SIZE}, the physical limit: its wall time, or -1 when it failed.
   * Its output is passed on.
   */
  private static double byHand(int run, Path guest, long quietWait) throws Exception {
    Path script = BenchSupport.targetDir().getParent().resolve("libvirt-boots.sh");
    System.out.printf("== run %d: %d domains by hand at once (%s) ==%n", run, SIZE, script);
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash", script.toString(), Integer.toString(SIZE), "128", guest.toString())
            .redirectErrorStream(true);
    pb.environment().put("BENCH_QUIET_WAIT", Long.toString(quietWait));
    Process p = pb.start();
    double wall = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        System.out.println(line);
        Matcher m = BY_HAND.matcher(line);
        if (m.matches()) {
          wall = Double.parseDouble(m.group(1));
        }
      }
    }
    return p.waitFor() == 0 ? wall : -1;
  }

  /** One run in a child JVM with this JVM's options and class path; its output is passed on. */
  private static double[] runForked(int run, Path guest, long quietWait) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // Each run gets its own app log (slf4j-simple truncates the file it opens).
      cmd.add(
          arg.startsWith(LOG_FILE_PROPERTY)
              ? arg.replaceFirst("(\\.log)?$", "-run" + run + ".log")
              : arg);
    }
    // The child names the run's libvirt objects after this JVM, so that this one can clean up.
    cmd.add("-Dlbench.parent=" + ProcessHandle.current().pid());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(LibvirtBench.class.getName());
    cmd.add("--single");
    cmd.add(Integer.toString(run));
    cmd.add(guest.toString());
    cmd.add(Long.toString(quietWait));
    System.out.printf("== run %d: Corral ==%n", run);
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    double[] result = {-1, -1, -1};
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        System.out.println(line);
        Matcher m = RUN_RESULT.matcher(line);
        if (m.matches()) {
          result[PHASES.indexOf(m.group(1))] = Double.parseDouble(m.group(2));
        }
      }
    }
    child.waitFor();
    return result;
  }

  /** Names of a run's libvirt objects: the parent's pid, so that runs of two benches never mix. */
  private static String scope(int run) {
    return "lbench-" + parentPid() + "-" + run;
  }

  private static String poolName(int run) {
    return scope(run);
  }

  private static Path runDir(int run) {
    return BenchSupport.targetDir().resolve(scope(run));
  }

  private static long parentPid() {
    String parent = System.getProperty("lbench.parent");
    return parent != null ? Long.parseLong(parent) : ProcessHandle.current().pid();
  }

  private static boolean runOnce(int run, Path guest, long quietWait) throws Exception {
    String scope = scope(run);
    String poolName = poolName(run);
    Path root = runDir(run);
    BenchSupport.deleteTree(root);
    Path poolDir = root.resolve("pool");
    Path console = root.resolve("console");
    Files.createDirectories(poolDir);
    Files.createDirectories(console);
    // QEMU runs as libvirt-qemu: every directory down to the images must be traversable by it.
    for (Path dir : List.of(root, poolDir)) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.copy(guest.resolve("base.qcow2"), poolDir.resolve("base.qcow2"));
    Files.copy(guest.resolve("base.json"), poolDir.resolve("base.json"));
    try {
      withLibvirt(
          c ->
              c.storagePoolCreateXML(
                  "<pool type='dir'><name>"
                      + poolName
                      + "</name><target><path>"
                      + poolDir
                      + "</path></target></pool>",
                  0));
      return fill(run, guest, root, scope, poolName, console, quietWait);
    } finally {
      cleanUp(scope, poolName, root);
    }
  }

  private static boolean fill(
      int run, Path guest, Path root, String scope, String poolName, Path console, long quietWait)
      throws Exception {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          libvirt:
            type: libvirt
            max_vms: 8
            max_concurrent_clones: %d
            uri: %s
            storage_pool: %s
            kernel: %s
            initrd: %s
            memory_mb: 128
            console_log_dir: %s
            scope: %s
        tracker: {interval: 1h}
        pools:
          - {name: fill, template: base, size: %d, boot_timeout: 5m}
        """
            .formatted(
                root.resolve("data"),
                SIZE,
                URI,
                poolName,
                guest.resolve("vmlinuz"),
                guest.resolve("initrd.img"),
                console,
                scope,
                SIZE);
    BenchSupport.waitForQuiet("LibvirtBench run " + run, 0.25, quietWait);
    long t0 = System.nanoTime();
    CorralApp app = CorralApp.start(ConfigLoader.fromYaml(yaml, "libvirt-bench.yaml", Map.of()));
    try {
      // Cold: the pool fills while Corral's JVM still starts up and compiles on the same 2 cores.
      Instant started = Instant.now();
      double startUp = (System.nanoTime() - t0) / 1e9;
      String base = app.baseUrl();
      Phase cold = awaitFull(base, started, BenchSupport.Cpu.now(), Set.of());
      if (cold == null) {
        System.out.printf("RESULT LibvirtBench run %d: FAILED, pool not full%n", run);
        return false;
      }
      System.out.printf(
          "RESULT LibvirtBench run %d: fill %.2f s (start returned -> last VM ready_at; start-up"
              + " %.2f s before it; first created_at -> last ready_at %.2f s; seen by GET"
              + " /v1/pools %.2f s); per VM %s%n",
          run, cold.wall(), startUp, cold.createdSpan(), cold.seen(), cold.details());
      // The same Corral empties the pool (size 0 through vmpooler's pool size override) and is
      // asked for 4 again, twice: the JIT still compiles in the first refill.
      Set<String> before = new LinkedHashSet<>(cold.names());
      for (int k = 1; k <= 2; k++) {
        BenchSupport.setFillSize(base, 0);
        BenchSupport.awaitFillEmpty(base, GIVE_UP);
        BenchSupport.waitForQuiet("LibvirtBench run " + run + " refill " + k, 0.25, quietWait);
        BenchSupport.Cpu cpu = BenchSupport.Cpu.now();
        Instant asked = Instant.now();
        BenchSupport.setFillSize(base, SIZE);
        Phase refill = awaitFull(base, asked, cpu, before);
        if (refill == null) {
          System.out.printf("RESULT LibvirtBench run %d: FAILED, pool not refilled%n", run);
          return false;
        }
        before.addAll(refill.names());
        System.out.printf(
            "RESULT LibvirtBench run %d: refill %d %.2f s (size 0 -> %d asked -> last VM ready_at;"
                + " first created_at -> last ready_at %.2f s; seen by GET /v1/pools %.2f s); per"
                + " VM %s%n",
            run, k, refill.wall(), SIZE, refill.createdSpan(), refill.seen(), refill.details());
      }
      return true;
    } finally {
      app.close();
    }
  }

  /**
   * One fill: from the clock's start to the last VM's ready_at, to the first poll that saw the pool
   * full, the database's span (first VM created to last ready), per-VM and process figures, and the
   * VMs' names.
   */
  private record Phase(
      double wall, double seen, double createdSpan, String details, Set<String> names) {}

  /**
   * Polls GET /v1/pools every {@link #POLL_MS} until the pool has {@code SIZE} ready VMs, then
   * reads the VMs not in {@code before} and their QEMU processes. Null when the pool is not full in
   * time.
   */
  private static Phase awaitFull(
      String base, Instant since, BenchSupport.Cpu cpu0, Set<String> before) throws Exception {
    while (true) {
      JsonNode pool = BenchSupport.pool(BenchSupport.getJson(base + "/v1/pools"), "fill");
      if (pool.get("ready").asInt() >= SIZE) {
        break;
      }
      if (Duration.between(since, Instant.now()).compareTo(GIVE_UP) > 0) {
        System.out.printf("LibvirtBench: pool not full within %s: %s%n", GIVE_UP, pool);
        return null;
      }
      Thread.sleep(POLL_MS);
    }
    Instant seen = Instant.now();
    BenchSupport.Cpu cpu1 = BenchSupport.Cpu.now();
    List<Double> perVm = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    Instant firstCreated = null;
    Instant lastReady = null;
    for (JsonNode vm : BenchSupport.getJson(base + "/v1/vms?pool=fill&state=ready")) {
      String name = vm.get("name").asText();
      if (before.contains(name) || !vm.hasNonNull("ready_at")) {
        continue;
      }
      Instant created = Instant.parse(vm.get("created_at").asText());
      Instant ready = Instant.parse(vm.get("ready_at").asText());
      perVm.add(Duration.between(created, ready).toMillis() / 1000.0);
      names.add(name);
      firstCreated =
          firstCreated == null || created.isBefore(firstCreated) ? created : firstCreated;
      lastReady = lastReady == null || ready.isAfter(lastReady) ? ready : lastReady;
    }
    if (lastReady == null) {
      throw new IllegalStateException("no new ready VM in pool fill");
    }
    double qemuCpu = 0;
    long qemuRssKb = 0;
    for (String name : names) {
      long pid = qemuPid(name);
      qemuCpu +=
          ProcessHandle.of(pid)
              .flatMap(h -> h.info().totalCpuDuration())
              .map(d -> d.toNanos() / 1e9)
              .orElse(0.0);
      qemuRssKb += procStatusKb(pid, "VmRSS:");
    }
    double window = Duration.between(since, seen).toMillis() / 1000.0;
    // Other processes: the machine's busy time less Corral's JVM, its MariaDB and the pool's QEMUs
    // (whose whole CPU falls in the fill). libvirtd counts as other.
    double[] cores = cpu1.coresSince(cpu0);
    double others = Math.max(0, cores[2] - qemuCpu / window);
    String details =
        String.format(
            "created -> ready %s; qemu_cpu=%.1f core-s qemu_rss=%d MiB at the end; java %.2f"
                + " cores, mariadbd %.2f; other processes %.2f cores%s",
            perVm,
            qemuCpu,
            qemuRssKb / 1024,
            cores[0],
            cores[1],
            others,
            others > 0.25 ? " NOISY" : "");
    return new Phase(
        Duration.between(since, lastReady).toMillis() / 1000.0,
        window,
        Duration.between(firstCreated, lastReady).toMillis() / 1000.0,
        details,
        names);
  }

  private interface LibvirtCall {
    void run(Connect c) throws LibvirtException;
  }

  /**
   * Runs the call on a fresh connection, retrying for a minute while libvirtd does not answer:
   * tests on the same host restart it.
   */
  private static void withLibvirt(LibvirtCall call) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      Connect c;
      try {
        Connect.setErrorCallback(SILENT);
        c = new Connect(URI, false);
      } catch (LibvirtException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(1000);
        continue;
      }
      try {
        call.run(c);
        return;
      } finally {
        try {
          c.close();
        } catch (LibvirtException e) {
          // The call's outcome does not depend on it.
        }
      }
    }
  }

  /**
   * Destroys and undefines every domain of the scope, destroys the pool and deletes its directory;
   * what is already gone is fine. Retried while libvirtd restarts.
   */
  private static void cleanUp(String scope, String poolName, Path root) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      try {
        withLibvirt(
            c -> {
              for (Domain d : c.listAllDomains(0)) {
                String meta;
                try {
                  meta = d.getMetadata(Domain.MetadataType.ELEMENT, NAMESPACE, 0);
                } catch (LibvirtException e) {
                  continue; // not Corral's, or gone
                }
                if (!meta.contains(">" + scope + "<")) {
                  continue;
                }
                if (d.isActive() == 1) {
                  d.destroy();
                }
                try {
                  d.undefine(
                      Domain.UndefineFlags.MANAGED_SAVE | Domain.UndefineFlags.SNAPSHOTS_METADATA);
                } catch (LibvirtException e) {
                  // already gone
                }
              }
              if (List.of(c.listStoragePools()).contains(poolName)) {
                c.storagePoolLookupByName(poolName).destroy();
              }
            });
        break;
      } catch (LibvirtException e) {
        if (System.nanoTime() > deadline) {
          System.out.printf(
              "LibvirtBench: could not clean up scope %s, pool %s: %s%n", scope, poolName, e);
          return;
        }
        Thread.sleep(1000);
      }
    }
    BenchSupport.deleteTree(root);
  }

  private static long qemuPid(String domain) {
    try {
      return Long.parseLong(
          Files.readString(Path.of("/run/libvirt/qemu", domain + ".pid")).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  private static long procStatusKb(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // exited
    }
    return 0;
  }
}
