package dev.corral.activities.build;

import static org.junit.jupiter.api.Assertions.fail;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.activities.provider.simulated.Sleeper;
import dev.corral.activities.reconcile.ReconcileStats;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.BuildRow;
import dev.corral.activities.store.rows.BuildStepRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.templates.TemplateTracker;
import dev.corral.activities.templates.TrackerSources;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.activities.testing.BeforeActivity;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ReconcileConfig;
import dev.corral.config.TemplateGroupConfig;
import dev.corral.config.TemplateSelector;
import dev.corral.config.TrackerConfig;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Production wiring of the template chain and the tracker ({@link CorralWorkers#register}) on a
 * time-skipping Temporal test environment, a fresh MariaDB database and one real {@link
 * SimulatedProvider}. Steps take no time unless a test holds one at the {@link StepGate}.
 */
public final class TemplateHarness implements AutoCloseable {
  public static final String PROVIDER = "sim";
  public static final String GROUP = "debian-12";
  public static final Duration WAIT_LIMIT = Duration.ofSeconds(60);
  public static final Map<String, String> CONFIGURE = Map.of("motd", "prepared by corral");

  public final TestWorkflowEnvironment env;
  public final WorkflowClient client;
  public final Db db;
  public final SimulatedProvider provider;
  public final ProviderRegistry registry;
  public final StepGate gate = new StepGate();
  public final Clock clock = Clock.systemUTC();
  public final BuildStarter starter;
  public final ShepherdNudger nudger;
  public final ProviderConfig providerConfig;
  public final Options options;
  private WorkerFactory restartedFactory;

  public static final class Options {
    int maxConcurrentBuilds = 2;
    final Map<String, TemplateGroupConfig> groups = new LinkedHashMap<>();
    final List<PoolConfig> pools = new ArrayList<>();
    final List<TrackerConfig.Source> sources = new ArrayList<>();

    public Options() {
      groups.put(GROUP, new TemplateGroupConfig(GROUP, 30, 2, CONFIGURE));
    }

    public Options maxConcurrentBuilds(int slots) {
      maxConcurrentBuilds = slots;
      return this;
    }

    public Options group(String name, int obsoleteDays, int keepPrepared) {
      groups.put(name, new TemplateGroupConfig(name, obsoleteDays, keepPrepared, Map.of()));
      return this;
    }

    /** A pool that wants the newest prepared template of {@code group} on the provider. */
    public Options preparedPool(String name, String group) {
      pools.add(
          PoolConfig.builder(name)
              .providers(List.of(PROVIDER))
              .readyTtl(Duration.ofHours(24))
              .bootTimeout(Duration.ofMinutes(5))
              .lifetime(Duration.ofHours(1))
              .selector(new TemplateSelector(group, TemplateSelector.LATEST, true))
              .build());
      return this;
    }

    public Options trackerFile(Path file) {
      sources.add(new TrackerConfig.Source(file, null));
      return this;
    }
  }

  public static TemplateHarness start() {
    return new TemplateHarness(new Options());
  }

  public static TemplateHarness start(Options options) {
    return new TemplateHarness(options);
  }

  private TemplateHarness(Options options) {
    this.options = options;
    Db database = TestDatabase.freshDb();
    TestWorkflowEnvironment environment = null;
    try {
      environment =
          TestWorkflowEnvironment.newInstance(
              TestEnvironmentOptions.newBuilder()
                  // The worker-restart test replaces the worker; see stack-notes §3.4.
                  .setWorkflowServiceStubsOptions(
                      WorkflowServiceStubsOptions.newBuilder()
                          .setGrpcClientInterceptors(List.of(new NoStickyInterceptor()))
                          .build())
                  .setWorkerFactoryOptions(CorralWorkers.factoryOptions())
                  .build());
      this.db = database;
      this.env = environment;
      this.client = environment.getWorkflowClient();
      // Every step "takes" a second, which the gate skips unless a test holds that step.
      SimulatedSettings settings =
          new SimulatedSettings(
              SecondsRange.ZERO,
              SecondsRange.ZERO,
              SecondsRange.ZERO,
              SimulatedSettings.FailPercent.NONE,
              0,
              null,
              SecondsRange.fixed(1),
              Map.of(),
              List.of());
      this.providerConfig =
          new ProviderConfig(PROVIDER, "simulated", 50, 10, options.maxConcurrentBuilds, settings);
      Path stateFile = Path.of("target", "template-tests", "sim-" + UUID.randomUUID() + ".json");
      this.provider =
          new SimulatedProvider(
              providerConfig,
              settings,
              stateFile,
              Clock.systemUTC(),
              new SplittableRandom(7),
              gate);
      this.registry =
          new ProviderRegistry(
              Map.<String, VmProvider>of(PROVIDER, provider), Map.of(PROVIDER, providerConfig));
      this.nudger = new ShepherdNudger(client);
      this.starter = new BuildStarter(db, client, clock);
      applyConfig();
      register(environment.getWorkerFactory());
      environment.start();
    } catch (RuntimeException e) {
      if (environment != null) {
        environment.close();
      }
      database.close();
      throw e;
    }
  }

  private void register(WorkerFactory factory) {
    // An empty composite registry records nothing: these tests do not look at metrics.
    Reconciler reconciler =
        new Reconciler(
            db,
            registry,
            new VmWorkflows(factory.getWorkflowClient()),
            nudger,
            clock,
            ReconcileConfig.DEFAULTS,
            new ReconcileStats());
    CorralWorkers.register(
        factory,
        new CorralWorkers.Dependencies(
            db,
            registry,
            clock,
            nudger,
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(10)),
            new TrackerSources(trackerConfig().sources()),
            reconciler,
            new CompositeMeterRegistry()));
  }

  public TrackerConfig trackerConfig() {
    return new TrackerConfig(Duration.ofHours(1), options.sources);
  }

  public void applyConfig() {
    CorralConfig config =
        CorralConfig.builder()
            .providers(Map.of(PROVIDER, providerConfig))
            .pools(options.pools)
            .templateGroups(options.groups)
            .tracker(trackerConfig())
            .build();
    new ConfigSync(db).apply(config, clock.instant());
  }

  /** A tracker wired like production's (same sources, starter and provider registry). */
  public TemplateTracker tracker() {
    return new TemplateTracker(db, registry, new TrackerSources(options.sources), starter, clock);
  }

  /**
   * Replaces the running workers with new ones on a new factory, as a restarted Corral process
   * would. {@code crash}: in-flight activities are interrupted and never report (the server only
   * notices at the heartbeat timeout); otherwise they may finish on the old worker, which stops
   * polling at once. Returns the activity types the new workers execute from then on.
   */
  public List<String> restartWorkers(boolean crash) {
    WorkerFactory old = restartedFactory != null ? restartedFactory : env.getWorkerFactory();
    if (crash) {
      old.shutdownNow();
      old.awaitTermination(10, TimeUnit.SECONDS);
    } else {
      old.shutdown();
    }
    List<String> executed = Collections.synchronizedList(new ArrayList<>());
    WorkerFactory fresh =
        WorkerFactory.newInstance(
            client,
            CorralWorkers.factoryOptions(
                new BeforeActivity((type, arguments) -> executed.add(type))));
    register(fresh);
    fresh.start();
    restartedFactory = fresh;
    return executed;
  }

  // --- test data
  // -----------------------------------------------------------------------------------

  /** A raw build on the provider and in the database (as a tracker poll would record it). */
  public TemplateRow rawTemplate(String name, String version) {
    return rawTemplate(GROUP, name, version, LocalDate.now(ZoneOffset.UTC).minusDays(1));
  }

  public TemplateRow rawTemplate(String group, String name, String version, LocalDate date) {
    provider.controls().putTemplate(new SimulatedTemplate(name, group, version, date));
    Seed.rawTemplate(db, PROVIDER, name, group, version, date, clock.instant());
    return template(name);
  }

  // --- what a user sees
  // ----------------------------------------------------------------------------

  public BuildRow build(long id) {
    return db.inTransaction(s -> s.getMapper(BuildMapper.class).selectById(id));
  }

  public List<BuildRow> builds() {
    List<BuildRow> all =
        new ArrayList<>(
            db.inTransaction(s -> s.getMapper(BuildMapper.class).list(null, null, 1000)));
    all.sort((a, b) -> Long.compare(a.id(), b.id()));
    return all;
  }

  public List<BuildRow> buildsOf(long sourceTemplateId) {
    return db.inTransaction(s -> s.getMapper(BuildMapper.class).bySource(sourceTemplateId));
  }

  public List<BuildStepRow> steps(long buildId) {
    return db.inTransaction(s -> s.getMapper(BuildMapper.class).steps(buildId));
  }

  public BuildStepRow step(long buildId, String name) {
    return steps(buildId).stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + steps(buildId)));
  }

  public TemplateRow template(String name) {
    return db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectByName(PROVIDER, name));
  }

  public TemplateRow template(long id) {
    return db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectById(id));
  }

  public List<TemplateRow> templates() {
    return db.inTransaction(s -> s.getMapper(TemplateMapper.class).list(null, null, null, 1000));
  }

  public List<String> providerTemplateNames() {
    return provider.templates().stream().map(ProviderTemplate::name).toList();
  }

  public WorkflowStub workflow(BuildRow build) {
    return client.newUntypedWorkflowStub(build.workflowId());
  }

  /** The activity types the workflow scheduled, in history order (the latest run of the id). */
  public List<String> scheduledActivities(String workflowId) {
    return client.fetchHistory(workflowId).getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .toList();
  }

  /**
   * Whether the workflow waits on a timer with no activity in flight (a queued build between slot
   * checks). Cancelling then cannot race an activity's completion, which the test server mishandles
   * (ACTIVITY_UNKNOWN on the cancel command, and the workflow task is not retried).
   */
  public boolean waitingOnTimer(String workflowId) {
    List<HistoryEvent> events = client.fetchHistory(workflowId).getEvents();
    int lastTimer = -1;
    int lastActivity = -1;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).hasTimerStartedEventAttributes()) {
        lastTimer = i;
      } else if (events.get(i).hasActivityTaskScheduledEventAttributes()) {
        lastActivity = i;
      }
    }
    return lastTimer > lastActivity;
  }

  public boolean ended(long buildId) {
    return build(buildId).ended();
  }

  public void awaitEnded(long buildId) {
    await("build " + buildId + " ended", () -> ended(buildId), () -> describe(buildId));
  }

  public void await(String what, BooleanSupplier condition) {
    await(what, condition, () -> "");
  }

  /**
   * Polls until {@code condition} holds; between polls the test environment may skip time (timers
   * fire).
   */
  public void await(String what, BooleanSupplier condition, Supplier<String> onTimeout) {
    long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + WAIT_LIMIT + " waiting for " + what + "\n" + onTimeout.get());
      }
      env.sleep(Duration.ofMillis(50));
    }
  }

  public String describe(long buildId) {
    return "build "
        + build(buildId)
        + "\nsteps "
        + steps(buildId)
        + "\nprovider VMs "
        + provider.inventory()
        + "\nprovider templates "
        + provider.templates();
  }

  @Override
  public void close() {
    gate.release();
    try {
      if (restartedFactory != null) {
        restartedFactory.shutdownNow();
      }
      env.close();
    } finally {
      nudger.close();
      provider.close();
      db.close();
    }
  }

  /**
   * The simulated provider's sleeper: steps do not really sleep, except the one a test holds, which
   * waits (interruptibly, like a real call) until released.
   */
  public static final class StepGate implements Sleeper {
    /** SimulatedProvider method names of the steps. */
    private static final Map<String, String> METHODS =
        Map.of(
            "deploy",
            "deploy",
            "verify",
            "guestVersion",
            "configure",
            "configure",
            "seal",
            "seal",
            "poweroff",
            "powerOff",
            "finish",
            "createTemplate");

    private volatile String heldMethod;
    private volatile CountDownLatch entered = new CountDownLatch(1);
    private volatile CountDownLatch released = new CountDownLatch(0);

    /** From now on, calls of {@code step} wait in their sleep until {@link #release()}. */
    public void hold(String step) {
      entered = new CountDownLatch(1);
      released = new CountDownLatch(1);
      heldMethod = METHODS.get(step);
    }

    /** Waits until a held step is sleeping. */
    public void awaitHeld() {
      try {
        if (!entered.await(WAIT_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
          fail("the held step never started");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    public void release() {
      heldMethod = null;
      released.countDown();
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
      String method = heldMethod;
      if (method == null || !calledFrom(method)) {
        return;
      }
      CountDownLatch waitFor = released;
      entered.countDown();
      waitFor.await();
    }

    private static boolean calledFrom(String method) {
      return StackWalker.getInstance()
          .walk(
              frames ->
                  frames.anyMatch(
                      f ->
                          f.getClassName().equals(SimulatedProvider.class.getName())
                              && f.getMethodName().equals(method)));
    }
  }

  /** Strips sticky attributes: the test server never expires sticky queues (stack-notes §3.4). */
  public static final class NoStickyInterceptor implements ClientInterceptor {
    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
        MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
      ClientCall<ReqT, RespT> call = next.newCall(method, options);
      if (!method.getFullMethodName().endsWith("/RespondWorkflowTaskCompleted")) {
        return call;
      }
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(ReqT message) {
          super.sendMessage(
              (ReqT)
                  ((RespondWorkflowTaskCompletedRequest) message)
                      .toBuilder().clearStickyAttributes().build());
        }
      };
    }
  }
}
