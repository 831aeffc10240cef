package dev.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.corral.config.ConfigLoader;
import dev.corral.web.CorralApp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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

/**
 * A pool of 20 containers filled by Corral's docker provider on Podman's Docker-compatible API
 * service (the container guest of tools/guest/container, 128 MiB, 1 CPU, the agent port published
 * on 127.0.0.1), against the same 20 containers created and started by hand at once through the
 * same service ({@code bench/docker-starts.sh 20}, the physical baseline).
 *
 * <p>Each run is a fresh JVM (a pool fills right after Corral starts, with a cold JIT) with its own
 * provider scope and data dir. The provider has {@code max_concurrent_clones: 20}, so Corral, like
 * the by-hand script, starts all 20 at once. Each clock stops at the last container's ready_at
 * (Corral's own record of the moment its readiness check passed: READY line with its own id in the
 * container's output, and its agent answering as itself; the pool is polled every 250 ms only to
 * know when to look):
 *
 * <ul>
 *   <li>fill: from CorralApp.start returning. The shepherd starts clones during start-up, so the
 *       database's span, first container created to last ready, is printed beside it.
 *   <li>refill 1 and 2: the same Corral empties the pool (size 0 through vmpooler's pool size
 *       override) and is asked for 20 again; the clock starts at that request. This is the like of
 *       the by-hand figure: no start-up, the same work from nothing to 20 answering guests.
 * </ul>
 *
 * <p>Every container of the run's scope is removed afterwards, by the run and again by the parent
 * JVM, so that a run that died leaves nothing either. Before each run, {@code
 * bench/docker-starts.sh 20} runs once: by hand and Corral alternate, so that both see the same
 * load on a shared host, and their medians are compared.
 *
 * <p>Usage: {@code DockerBench HOST IMAGE [RUNS [QUIET_WAIT_S [SERVICE_PID]]]}: HOST is the
 * service's {@code unix://} socket, IMAGE the guest image (a template of the provider), default 3
 * runs and 180 s; SERVICE_PID, when given, is the API service's pid, whose CPU is printed.
 */
public final class DockerBench {
  private static final int SIZE = 20;
  private static final int MEMORY_MB = 128;
  private static final Duration GIVE_UP = Duration.ofMinutes(3);
  private static final String LOG_FILE_PROPERTY = "-Dorg.slf4j.simpleLogger.logFile=";
  private static final long POLL_MS = 250;
  private static final List<String> PHASES = List.of("fill", "refill 1", "refill 2");
  private static final Pattern RUN_RESULT =
      Pattern.compile("RESULT DockerBench run \\d+: (fill|refill 1|refill 2) ([0-9.]+) s .*");
  private static final Pattern BY_HAND =
      Pattern.compile("RESULT docker-starts n=\\d+ wall=([0-9.]+) .*");

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--single")) {
      int run = Integer.parseInt(args[1]);
      String host = args[2];
      String image = args[3];
      long quietWait = Long.parseLong(args[4]);
      long servicePid = Long.parseLong(args[5]);
      BenchSupport.watchdog("DockerBench run " + run, 900 + 3 * quietWait);
      System.exit(runOnce(run, host, image, quietWait, servicePid) ? 0 : 1);
    }
    String host = args[0];
    String image = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    long quietWait = args.length > 3 ? Long.parseLong(args[3]) : 180;
    long servicePid = args.length > 4 && !args[4].isEmpty() ? Long.parseLong(args[4]) : -1;
    BenchSupport.watchdog("DockerBench", 60 + runs * (1200 + 4 * quietWait));
    System.out.printf(
        "DockerBench: pool of %d containers of %s (%d MiB, 1 CPU) on %s, max_concurrent_clones %d;"
            + " %d runs, each right after %d by hand and in a fresh JVM; %d cores, Java %s%n",
        SIZE,
        image,
        MEMORY_MB,
        host,
        SIZE,
        runs,
        SIZE,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    double[][] r = new double[runs][];
    double[] byHand = new double[runs];
    boolean allFilled = true;
    for (int i = 0; i < runs; i++) {
      byHand[i] = byHand(i + 1, host, image, quietWait, servicePid);
      r[i] = runForked(i + 1, host, image, quietWait, servicePid);
      cleanUp(host, scope(i + 1));
      allFilled &= Arrays.stream(r[i]).allMatch(x -> x >= 0);
    }
    boolean handOk = Arrays.stream(byHand).allMatch(x -> x >= 0);
    double baseline = handOk ? BenchSupport.median(byHand) : -1;
    System.out.printf(
        "RESULT docker-starts median of %d: %.2f s %s (%d containers by hand at once)%n",
        runs, baseline, Arrays.toString(byHand), SIZE);
    for (int i = 0; i < PHASES.size(); i++) {
      System.out.printf(
          "RESULT DockerBench median of %d: %s %s%n",
          runs, PHASES.get(i), against(BenchSupport.column(r, i), baseline));
    }
    System.exit(allFilled && handOk ? 0 : 1);
  }

  private static String against(double[] figures, double baseline) {
    double median = BenchSupport.median(figures);
    String all = Arrays.toString(figures);
    if (baseline <= 0) {
      return String.format("%.2f s %s; no by-hand figure", median, all);
    }
    return String.format(
        "%.2f s %s, by hand (docker-starts.sh %d) %.2f s: %+.1f %% (x%.2f)",
        median, all, SIZE, baseline, (median / baseline - 1) * 100, median / baseline);
  }

  /** {@code bench/docker-starts.sh SIZE}: its wall time, or -1 when it failed. */
  private static double byHand(int run, String host, String image, long quietWait, long pid)
      throws Exception {
    Path script = BenchSupport.targetDir().getParent().resolve("docker-starts.sh");
    System.out.printf("== run %d: %d containers by hand at once (%s) ==%n", run, SIZE, script);
    ProcessBuilder pb =
        new ProcessBuilder(
                "bash",
                script.toString(),
                Integer.toString(SIZE),
                Integer.toString(MEMORY_MB),
                image)
            .redirectErrorStream(true);
    pb.environment().put("BENCH_QUIET_WAIT", Long.toString(quietWait));
    pb.environment().put("DOCKER_SOCKET", host);
    if (pid > 0) {
      pb.environment().put("PODMAN_PID", Long.toString(pid));
    }
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
  private static double[] runForked(int run, String host, String image, long quietWait, long pid)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      cmd.add(
          arg.startsWith(LOG_FILE_PROPERTY)
              ? arg.replaceFirst("(\\.log)?$", "-run" + run + ".log")
              : arg);
    }
    cmd.add("-Ddbench.parent=" + ProcessHandle.current().pid());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(DockerBench.class.getName());
    cmd.add("--single");
    cmd.add(Integer.toString(run));
    cmd.add(host);
    cmd.add(image);
    cmd.add(Long.toString(quietWait));
    cmd.add(Long.toString(pid));
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

  /** The run's provider scope: the parent's pid, so that runs of two benches never mix. */
  private static String scope(int run) {
    String parent = System.getProperty("dbench.parent");
    long pid = parent != null ? Long.parseLong(parent) : ProcessHandle.current().pid();
    return "dbench-" + pid + "-" + run;
  }

  private static boolean runOnce(int run, String host, String image, long quietWait, long pid)
      throws Exception {
    String scope = scope(run);
    Path root = BenchSupport.freshDir(scope);
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          pods:
            type: docker
            host: "%s"
            max_vms: %d
            max_concurrent_clones: %d
            memory_mb: %d
            cpus: 1
            scope: %s
        tracker: {interval: 1h}
        pools:
          - {name: fill, template: "%s", size: %d, memory_mb: %d, cpus: 1, boot_timeout: 2m}
        """
            .formatted(
                root.resolve("data"),
                host,
                2 * SIZE,
                SIZE,
                MEMORY_MB,
                scope,
                image,
                SIZE,
                MEMORY_MB);
    try {
      BenchSupport.waitForQuiet("DockerBench run " + run, 0.25, quietWait);
      long t0 = System.nanoTime();
      CorralApp app = CorralApp.start(ConfigLoader.fromYaml(yaml, "docker-bench.yaml", Map.of()));
      try {
        Instant started = Instant.now();
        double startUp = (System.nanoTime() - t0) / 1e9;
        String base = app.baseUrl();
        Phase cold = awaitFull(base, started, BenchSupport.Cpu.now(), pid, Set.of());
        if (cold == null) {
          System.out.printf("RESULT DockerBench run %d: FAILED, pool not full%n", run);
          return false;
        }
        System.out.printf(
            "RESULT DockerBench run %d: fill %.2f s (start returned -> last ready_at; start-up"
                + " %.2f s before it; first created_at -> last ready_at %.2f s; seen by GET"
                + " /v1/pools %.2f s); %s%n",
            run, cold.wall(), startUp, cold.createdSpan(), cold.seen(), cold.details());
        Set<String> before = new LinkedHashSet<>(cold.names());
        for (int k = 1; k <= 2; k++) {
          BenchSupport.setFillSize(base, 0);
          BenchSupport.awaitFillEmpty(base, GIVE_UP);
          BenchSupport.waitForQuiet("DockerBench run " + run + " refill " + k, 0.25, quietWait);
          BenchSupport.Cpu cpu = BenchSupport.Cpu.now();
          Instant asked = Instant.now();
          BenchSupport.setFillSize(base, SIZE);
          Phase refill = awaitFull(base, asked, cpu, pid, before);
          if (refill == null) {
            System.out.printf("RESULT DockerBench run %d: FAILED, pool not refilled%n", run);
            return false;
          }
          before.addAll(refill.names());
          System.out.printf(
              "RESULT DockerBench run %d: refill %d %.2f s (size 0 -> %d asked -> last ready_at;"
                  + " first created_at -> last ready_at %.2f s; seen by GET /v1/pools %.2f s);"
                  + " %s%n",
              run, k, refill.wall(), SIZE, refill.createdSpan(), refill.seen(), refill.details());
        }
        return true;
      } finally {
        app.close();
      }
    } finally {
      cleanUp(host, scope);
      BenchSupport.deleteTree(root);
    }
  }

  private record Phase(
      double wall, double seen, double createdSpan, String details, Set<String> names) {}

  private static Phase awaitFull(
      String base, Instant since, BenchSupport.Cpu cpu0, long servicePid, Set<String> before)
      throws Exception {
    double service0 = cpuSeconds(servicePid);
    while (true) {
      JsonNode pool = BenchSupport.pool(BenchSupport.getJson(base + "/v1/pools"), "fill");
      if (pool.get("ready").asInt() >= SIZE) {
        break;
      }
      if (Duration.between(since, Instant.now()).compareTo(GIVE_UP) > 0) {
        System.out.printf("DockerBench: pool not full within %s: %s%n", GIVE_UP, pool);
        return null;
      }
      Thread.sleep(POLL_MS);
    }
    Instant seen = Instant.now();
    BenchSupport.Cpu cpu1 = BenchSupport.Cpu.now();
    double service = cpuSeconds(servicePid) - service0;
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
    double[] per = perVm.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] cores = cpu1.coresSince(cpu0);
    String details =
        String.format(
            "created -> ready per container min %.2f / median %.2f / max %.2f s; java %.2f"
                + " cores, mariadbd %.2f, the rest of the machine (podman service, conmon, runc,"
                + " guests, others) %.2f%s",
            per[0],
            BenchSupport.median(per),
            per[per.length - 1],
            cores[0],
            cores[1],
            cores[2],
            servicePid > 0 ? String.format("; podman service %.2f core-s", service) : "");
    return new Phase(
        Duration.between(since, lastReady).toMillis() / 1000.0,
        Duration.between(since, seen).toMillis() / 1000.0,
        Duration.between(firstCreated, lastReady).toMillis() / 1000.0,
        details,
        names);
  }

  private static double cpuSeconds(long pid) {
    if (pid <= 0) {
      return 0;
    }
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(d -> d.toNanos() / 1e9)
        .orElse(0.0);
  }

  /** Removes every container labelled with the scope; what is gone already is fine. */
  private static void cleanUp(String host, String scope) {
    DefaultDockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(host)
            .withDockerTlsVerify(false)
            .build();
    DockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(host))
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofSeconds(60))
            .build();
    try (DockerClient d = DockerClientImpl.getInstance(config, http)) {
      List<Container> left =
          d.listContainersCmd()
              .withShowAll(true)
              .withLabelFilter(Map.of("dev.corral.scope", scope))
              .exec();
      for (Container c : left) {
        try {
          d.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException gone) {
          // removed meanwhile
        }
      }
      if (!left.isEmpty()) {
        System.out.printf("DockerBench: removed %d container(s) of scope %s%n", left.size(), scope);
      }
    } catch (IOException | RuntimeException e) {
      System.out.printf("DockerBench: could not clean up scope %s: %s%n", scope, e);
    }
  }
}
