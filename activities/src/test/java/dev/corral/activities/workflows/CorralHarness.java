package dev.corral.activities.workflows;

import static org.junit.jupiter.api.Assertions.fail;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.provider.simulated.Sleeper;
import dev.corral.activities.reconcile.ReconcileStats;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.templates.TrackerSources;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.Shepherds;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.activities.testing.BeforeActivity;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.WorkflowIds;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Production wiring on a time-skipping Temporal test environment: the real workflows and activities
 * ({@link CorralWorkers#register}), a fresh MariaDB database, and one real {@link
 * SimulatedProvider} with zero delays. Activities run in real time, so tests wait for outcomes with
 * {@link #await}.
 */
final class CorralHarness implements AutoCloseable {
  static final String PROVIDER = "sim";
  static final Duration WAIT_LIMIT = Duration.ofSeconds(30);

  final TestWorkflowEnvironment env;
  final WorkflowClient client;
  final Db db;
  final SimulatedProvider provider;
  final ShepherdNudger nudger;
  final Clock clock;
  final LeaseStore leases;

  /**
   * The reconciler the workers run ({@link Options#reconcile}); tests call its "reconcile now"
   * directly.
   */
  final Reconciler reconciler;

  private final ProviderConfig providerConfig;

  /** Per-test knobs; the defaults suit a test that runs in wall-clock time. */
  static final class Options {
    Duration shepherdPoll = Duration.ofSeconds(1);
    Duration readyPoll = Duration.ofMillis(10);
    boolean clockFollowsTestEnvironment;
    BiConsumer<String, Object[]> beforeActivity;
    int maxVms = 50;
    ReconcileConfig reconcile = ReconcileConfig.DEFAULTS;

    /** The reconciler's tick, window and purge rules. */
    Options reconcile(ReconcileConfig config) {
      reconcile = config;
      return this;
    }

    /** The provider's max_vms. */
    Options maxVms(int max) {
      maxVms = max;
      return this;
    }

    /**
     * The activities' clock reads the test environment's (skippable) time, so DB times follow
     * skipped time.
     */
    Options clockOfTestEnvironment() {
      clockFollowsTestEnvironment = true;
      return this;
    }

    Options shepherdPoll(Duration poll) {
      shepherdPoll = poll;
      return this;
    }

    /**
     * Runs {@code hook(activityType, arguments)} on the worker just before each activity executes,
     * to put something that happens concurrently in production (a lease) at an exact point.
     */
    Options beforeActivity(BiConsumer<String, Object[]> hook) {
      beforeActivity = hook;
      return this;
    }
  }

  static CorralHarness start() {
    return start(new Options());
  }

  static CorralHarness start(Options options) {
    return new CorralHarness(options);
  }

  private CorralHarness(Options options) {
    Db database = TestDatabase.freshDb();
    TestWorkflowEnvironment environment = null;
    try {
      environment = TestWorkflowEnvironment.newInstance(environmentOptions(options));
      this.db = database;
      this.env = environment;
      this.client = environment.getWorkflowClient();
      this.clock =
          options.clockFollowsTestEnvironment
              ? new TestEnvironmentClock(environment)
              : Clock.systemUTC();
      SimulatedSettings settings =
          new SimulatedSettings(
              SecondsRange.ZERO,
              SecondsRange.ZERO,
              SecondsRange.ZERO,
              SimulatedSettings.FailPercent.NONE,
              0,
              null);
      this.providerConfig = new ProviderConfig(PROVIDER, "simulated", options.maxVms, 10, settings);
      Path stateFile = Path.of("target", "workflow-tests", "sim-" + UUID.randomUUID() + ".json");
      this.provider =
          new SimulatedProvider(
              providerConfig,
              settings,
              stateFile,
              Clock.systemUTC(),
              new SplittableRandom(7),
              Sleeper.REAL);
      ProviderRegistry registry =
          new ProviderRegistry(
              Map.<String, VmProvider>of(PROVIDER, provider), Map.of(PROVIDER, providerConfig));
      this.nudger = new ShepherdNudger(client);
      this.leases = new LeaseStore(db);
      this.reconciler =
          new Reconciler(
              db,
              registry,
              new VmWorkflows(client),
              nudger,
              clock,
              options.reconcile,
              new ReconcileStats());
      CorralWorkers.register(
          environment.getWorkerFactory(),
          new CorralWorkers.Dependencies(
              db,
              registry,
              clock,
              nudger,
              new CorralWorkers.Timings(options.shepherdPoll, options.readyPoll),
              new TrackerSources(List.of()),
              reconciler,
              new CompositeMeterRegistry()));
      environment.start();
    } catch (RuntimeException e) {
      if (environment != null) {
        environment.close();
      }
      database.close();
      throw e;
    }
  }

  private static TestEnvironmentOptions environmentOptions(Options options) {
    TestEnvironmentOptions.Builder builder = TestEnvironmentOptions.newBuilder();
    builder.setWorkerFactoryOptions(
        options.beforeActivity == null
            ? CorralWorkers.factoryOptions()
            : CorralWorkers.factoryOptions(new BeforeActivity(options.beforeActivity)));
    return builder.build();
  }

  // --- configuration, as production applies it ---------------------------------------------------

  /**
   * A pool on the simulated provider; ready_ttl is long so that only the tests' own actions retire
   * VMs.
   */
  static PoolConfig pool(String name, int size, int maxTries) {
    return pool(name, size, maxTries, Duration.ofHours(24));
  }

  static PoolConfig pool(String name, int size, int maxTries, Duration readyTtl) {
    return PoolConfig.builder(name)
        .template(template(name))
        .providers(List.of(PROVIDER))
        .size(size)
        .readyTtl(readyTtl)
        .bootTimeout(Duration.ofMinutes(5))
        .maxTries(maxTries)
        .lifetime(Duration.ofHours(1))
        .build();
  }

  /**
   * Writes a whole config (these pools on the one provider) into the inventory, like a start-up or
   * reload.
   */
  void applyConfig(PoolConfig... pools) {
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    providers.put(PROVIDER, providerConfig);
    CorralConfig config =
        CorralConfig.builder().providers(providers).pools(Arrays.asList(pools)).build();
    new ConfigSync(db).apply(config, clock.instant());
  }

  void startShepherd(String pool) {
    new Shepherds(client).ensureRunning(pool);
  }

  /** What the app does after a change the shepherd should see at once. */
  void nudgeShepherd(String pool) {
    client.newUntypedWorkflowStub(WorkflowIds.shepherd(pool)).signal("nudge");
  }

  // --- what a user sees
  // ----------------------------------------------------------------------------

  /** Every row of the pool, in any state (destroyed and failed too), oldest first. */
  List<VmRow> rows(String pool) {
    return db.inTransaction(s -> s.getMapper(VmMapper.class).selectInStates(VmStates.ALL)).stream()
        .filter(vm -> vm.pool().equals(pool))
        .toList();
  }

  List<VmRow> rows(String pool, String state) {
    return rows(pool).stream().filter(vm -> vm.state().equals(state)).toList();
  }

  VmRow row(String name) {
    return db.inTransaction(s -> s.getMapper(VmMapper.class).selectByName(name));
  }

  List<ProviderVm> inventory() {
    return provider.inventory();
  }

  Set<String> inventoryNames() {
    return inventory().stream()
        .map(ProviderVm::name)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The provider's VMs of one pool; each pool has its own template ({@link #pool}). */
  List<ProviderVm> inventory(String pool) {
    return inventory().stream().filter(vm -> vm.template().equals(template(pool))).toList();
  }

  static String template(String pool) {
    return "tpl-" + pool;
  }

  static Set<String> names(List<VmRow> rows) {
    return rows.stream().map(VmRow::name).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * The pool is settled: {@code ready} ready rows, nothing provisioning or destroying, and the
   * provider holds exactly the pool's live VMs (ready and leased) of its template, all running.
   */
  boolean settled(String pool, int ready) {
    List<VmRow> rows = rows(pool);
    long readyNow = rows.stream().filter(r -> r.state().equals(VmStates.READY)).count();
    boolean busy =
        rows.stream()
            .anyMatch(
                r ->
                    r.state().equals(VmStates.PROVISIONING)
                        || r.state().equals(VmStates.DESTROYING));
    if (readyNow != ready || busy) {
      return false;
    }
    Set<String> live =
        names(
            rows.stream()
                .filter(r -> r.state().equals(VmStates.READY) || r.state().equals(VmStates.LEASED))
                .toList());
    List<ProviderVm> inventory = inventory(pool);
    return inventory.stream().map(ProviderVm::name).collect(Collectors.toSet()).equals(live)
        && inventory.stream().allMatch(vm -> vm.powerState() == ProviderVm.PowerState.RUNNING);
  }

  void awaitSettled(String pool, int ready) {
    await(
        "pool " + pool + " settled with " + ready + " ready VMs",
        () -> settled(pool, ready),
        () -> describe(pool));
  }

  /**
   * Polls until {@code condition} holds, at most {@link #WAIT_LIMIT} of wall time. Between polls
   * the test environment sleeps a little, which lets workflow timers fire (skipping time when
   * nothing runs).
   */
  void await(String what, BooleanSupplier condition) {
    await(what, condition, () -> "");
  }

  void await(String what, BooleanSupplier condition, Supplier<String> onTimeout) {
    long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + WAIT_LIMIT + " waiting for " + what + "\n" + onTimeout.get());
      }
      env.sleep(Duration.ofMillis(50));
    }
  }

  String describe(String pool) {
    StringBuilder out = new StringBuilder("rows of ").append(pool).append(":\n");
    rows(pool)
        .forEach(
            r ->
                out.append("  ")
                    .append(r.name())
                    .append(' ')
                    .append(r.state())
                    .append(" attempts=")
                    .append(r.attempts())
                    .append(" failure=")
                    .append(r.failureReason())
                    .append(" retire=")
                    .append(r.retireReason())
                    .append('\n'));
    out.append("provider inventory:\n");
    inventory()
        .forEach(
            vm ->
                out.append("  ")
                    .append(vm.name())
                    .append(' ')
                    .append(vm.powerState())
                    .append('\n'));
    return out.toString();
  }

  // --- determinism
  // ---------------------------------------------------------------------------------

  /**
   * Replays the workflow's history (running or closed) against the implementation; throws on
   * non-determinism.
   */
  void assertReplays(String workflowId, Class<?> implementation) throws Exception {
    WorkflowExecutionHistory history = client.fetchHistory(workflowId);
    WorkflowReplayer.replayWorkflowExecution(history, implementation);
  }

  @Override
  public void close() {
    try {
      env.close();
    } finally {
      nudger.close();
      leases.close();
      provider.close();
      db.close();
    }
  }

  /** The test environment's time, which {@code env.sleep} skips forward. */
  private static final class TestEnvironmentClock extends Clock {
    private final TestWorkflowEnvironment env;

    TestEnvironmentClock(TestWorkflowEnvironment env) {
      this.env = env;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("the test clock is UTC only");
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(env.currentTimeMillis());
    }
  }
}
