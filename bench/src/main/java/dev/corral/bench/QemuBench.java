package dev.corral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.config.ConfigLoader;
import dev.corral.web.CorralApp;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 5's benchmark on real QEMU guests (tools/guest, TCG): an empty pool of 4 VMs of 128 MiB
 * filled by Corral, then one preparation chain, with wall time, CPU and RSS of the QEMU processes
 * and of Corral's JVM.
 *
 * <p>Fill: the clock starts when CorralApp.start returns and stops at the first GET /v1/pools/fill
 * (polled every 50 ms) that shows 4 ready. Compare it with {@code bench/qemu-boots.sh 4}, the same
 * boots started by hand at once (the physical limit). Chain: POST /v1/builds of a raw template,
 * then its wall time (first step's start to last step's end, from the build's own record) against
 * the sum of its steps' durations; the difference is what Corral adds between steps.
 *
 * <p>Usage: {@code QemuBench GUEST_DIR [QUIET_WAIT_S]}; GUEST_DIR holds what tools/guest/build.sh
 * made.
 */
public final class QemuBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SIZE = 4;
  private static final Duration GIVE_UP = Duration.ofMinutes(5);

  public static void main(String[] args) throws Exception {
    Path guest = Path.of(args[0]).toAbsolutePath();
    long quietWait = args.length > 1 ? Long.parseLong(args[1]) : 180;
    BenchSupport.watchdog("QemuBench", 600 + quietWait);
    Path root = BenchSupport.targetDir().resolve("q-" + ProcessHandle.current().pid());
    BenchSupport.deleteTree(root);
    Path templates = root.resolve("templates");
    Files.createDirectories(templates);
    install(guest, templates, "base", null);
    install(guest, templates, "guest-1.0.0", "guest");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        providers:
          qemu:
            type: qemu
            templates_dir: %s
            kernel: %s
            initrd: %s
            vms_dir: %s
            memory_mb: 128
            max_vms: 8
        template_groups:
          guest: {configure: {motd: "prepared by corral"}}
        tracker: {interval: 1h}
        pools:
          - {name: fill, template: base, size: %d, boot_timeout: 5m}
        """
            .formatted(
                root.resolve("data"),
                templates,
                guest.resolve("vmlinuz"),
                guest.resolve("initrd.img"),
                root.resolve("vms"),
                SIZE);
    BenchSupport.waitForQuiet("QemuBench", 0.25, quietWait);
    System.out.printf(
        "QemuBench: pool of %d x 128 MiB, %d cores, Java %s%n",
        SIZE, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    long javaCpu0 = javaCpuNanos();
    long t0 = System.nanoTime();
    CorralApp app = CorralApp.start(ConfigLoader.fromYaml(yaml, "qemu-bench.yaml", Map.of()));
    try {
      long started = System.nanoTime();
      String base = app.baseUrl();
      long peakRss = 0;
      while (true) {
        JsonNode pool = BenchSupport.pool(BenchSupport.getJson(base + "/v1/pools"), "fill");
        peakRss = Math.max(peakRss, qemuRssKb(root.resolve("vms")));
        if (pool.get("ready").asInt() >= SIZE) {
          break;
        }
        if (System.nanoTime() - started > GIVE_UP.toNanos()) {
          throw new IllegalStateException("pool not full within " + GIVE_UP + ": " + pool);
        }
        Thread.sleep(50);
      }
      long filled = System.nanoTime();
      double qemuCpu = qemuCpuSeconds(root.resolve("vms"));
      double javaCpu = (javaCpuNanos() - javaCpu0) / 1e9;
      List<Double> perVm = new ArrayList<>();
      for (JsonNode vm : BenchSupport.getJson(base + "/v1/vms?pool=fill")) {
        if (vm.hasNonNull("ready_at")) {
          perVm.add(
              Duration.between(
                          Instant.parse(vm.get("created_at").asText()),
                          Instant.parse(vm.get("ready_at").asText()))
                      .toMillis()
                  / 1000.0);
        }
      }
      System.out.printf(
          "RESULT QemuBench fill n=%d wall=%.2fs (start-up %.2fs before it) qemu_cpu=%.1f core-s "
              + "java_cpu_incl_startup=%.1f core-s peak_qemu_rss=%d MiB java_rss=%d MiB per_vm_created_to_ready=%s%n",
          SIZE,
          (filled - started) / 1e9,
          (started - t0) / 1e9,
          qemuCpu,
          javaCpu,
          peakRss / 1024,
          javaRssKb() / 1024,
          perVm);

      // One preparation chain while the pool's 4 idle VMs run.
      long chainCpu0 = javaCpuNanos();
      double qemuCpuBefore = qemuCpuSeconds(root.resolve("vms"));
      JsonNode build =
          post(base + "/v1/builds", "{\"template\": \"guest-1.0.0\", \"provider\": \"qemu\"}");
      String id = build.get("id").asText();
      long chainStart = System.nanoTime();
      long chainPeakRss = 0;
      JsonNode done;
      while (true) {
        done = BenchSupport.getJson(base + "/v1/builds/" + id);
        chainPeakRss = Math.max(chainPeakRss, qemuRssKb(root.resolve("vms")));
        String state = done.get("state").asText();
        if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
          break;
        }
        if (System.nanoTime() - chainStart > GIVE_UP.toNanos()) {
          throw new IllegalStateException("build not done within " + GIVE_UP + ": " + done);
        }
        Thread.sleep(50);
      }
      double polled = (System.nanoTime() - chainStart) / 1e9;
      double sum = 0;
      Instant first = null;
      Instant last = null;
      StringBuilder steps = new StringBuilder();
      for (JsonNode step : done.get("steps")) {
        Instant s = Instant.parse(step.get("started_at").asText());
        Instant e = Instant.parse(step.get("ended_at").asText());
        double d = Duration.between(s, e).toMillis() / 1000.0;
        sum += d;
        first = first == null || s.isBefore(first) ? s : first;
        last = last == null || e.isAfter(last) ? e : last;
        steps.append(String.format(" %s=%.2f", step.get("name").asText(), d));
      }
      double wall = Duration.between(first, last).toMillis() / 1000.0;
      System.out.printf(
          "RESULT QemuBench chain state=%s wall=%.2fs sum_of_steps=%.2fs overhead=%.2fs "
              + "(POST to seen done %.2fs) steps:%s java_cpu=%.1f core-s idle_pool_qemu_cpu=%.1f core-s peak_qemu_rss=%d MiB%n",
          done.get("state").asText(),
          wall,
          sum,
          wall - sum,
          polled,
          steps,
          (javaCpuNanos() - chainCpu0) / 1e9,
          qemuCpuSeconds(root.resolve("vms")) - qemuCpuBefore,
          chainPeakRss / 1024);
    } finally {
      app.close();
      killQemus(root.resolve("vms"));
      BenchSupport.deleteTree(root);
    }
    System.exit(0);
  }

  private static void install(Path guest, Path templates, String name, String group)
      throws IOException {
    Files.copy(guest.resolve("base.qcow2"), templates.resolve(name + ".qcow2"));
    Files.writeString(
        templates.resolve(name + ".json"),
        "{\"group\":" + (group == null ? "null" : "\"" + group + "\"") + ",\"version\":\"1.0.0\"}");
  }

  private static JsonNode post(String url, String body) throws IOException {
    BenchSupport.Response r =
        BenchSupport.post(new URL(url), body.getBytes(StandardCharsets.UTF_8));
    if (r.status() / 100 != 2) {
      throw new IllegalStateException("POST " + url + ": " + r.status() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static List<Long> qemuPids(Path vms) {
    List<Long> pids = new ArrayList<>();
    if (!Files.isDirectory(vms)) {
      return pids;
    }
    try (Stream<Path> dirs = Files.list(vms)) {
      for (Path dir : dirs.toList()) {
        try {
          pids.add(Long.parseLong(Files.readString(dir.resolve("qemu.pid")).strip()));
        } catch (IOException | NumberFormatException e) {
          // not running
        }
      }
    } catch (IOException e) {
      // listed while a VM was removed
    }
    return pids;
  }

  /** Sum of RSS over the QEMU processes of the VM directories, from /proc. */
  private static long qemuRssKb(Path vms) {
    long total = 0;
    for (long pid : qemuPids(vms)) {
      total += procStatusKb(pid, "VmRSS:");
    }
    return total;
  }

  private static double qemuCpuSeconds(Path vms) {
    double total = 0;
    for (long pid : qemuPids(vms)) {
      total +=
          ProcessHandle.of(pid)
              .flatMap(h -> h.info().totalCpuDuration())
              .map(d -> d.toNanos() / 1e9)
              .orElse(0.0);
    }
    return total;
  }

  private static long javaRssKb() {
    return procStatusKb(ProcessHandle.current().pid(), "VmRSS:");
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

  private static long javaCpuNanos() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  private static void killQemus(Path vms) throws InterruptedException {
    for (long pid : qemuPids(vms)) {
      ProcessHandle.of(pid)
          .ifPresent(
              h -> {
                h.destroyForcibly();
                h.onExit().orTimeout(10, TimeUnit.SECONDS);
              });
    }
    Thread.sleep(1500);
  }
}
