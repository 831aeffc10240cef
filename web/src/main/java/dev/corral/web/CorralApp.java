package dev.corral.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.build.BuildStarter;
import dev.corral.activities.metrics.InventoryGauges;
import dev.corral.activities.metrics.ReconcileMetrics;
import dev.corral.activities.inventory.ProviderSweep;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.reconcile.ReconcileStats;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.embedded.EmbeddedMariaDb;
import dev.corral.activities.store.embedded.MariaDbSupervisor;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.ReuseRules;
import dev.corral.activities.store.TokenStore;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.templates.TrackerSources;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.Reconcilers;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.Shepherds;
import dev.corral.activities.temporal.Tracker;
import dev.corral.activities.temporal.VmTasks;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.ConfigSource;
import dev.corral.config.CorralConfig;
import dev.corral.web.abuse.BodyLimit;
import dev.corral.web.abuse.BodyTypes;
import dev.corral.web.abuse.CrossOriginWrites;
import dev.corral.web.abuse.RateLimiter;
import dev.corral.web.abuse.RequestMethods;
import dev.corral.web.api.ApiDocs;
import dev.corral.web.api.Checkouts;
import dev.corral.web.api.ErrorMapping;
import dev.corral.web.api.JettyJsonErrors;
import dev.corral.web.api.LeasedVms;
import dev.corral.web.vmpooler.VmpoolerVmRoutes;
import dev.corral.web.api.ShortageReport;
import dev.corral.web.auth.AccessPolicy;
import dev.corral.web.api.InventoryViews;
import dev.corral.web.api.Json;
import dev.corral.web.api.LeaseService;
import dev.corral.web.api.PoolAdminRoutes;
import dev.corral.web.api.PendingLeaseRoutes;
import dev.corral.web.api.PendingLeaseService;
import dev.corral.web.api.PoolCatalog;
import dev.corral.web.api.PoolOverrides;
import dev.corral.web.api.ReconcileRoutes;
import dev.corral.web.api.ReconcileService;
import dev.corral.web.api.ProviderAdmin;
import dev.corral.web.api.ProviderAdminRoutes;
import dev.corral.web.api.Routes;
import dev.corral.web.reload.ConfigReloader;
import dev.corral.web.reload.ConfigRoutes;
import dev.corral.web.api.TemplateRoutes;
import dev.corral.web.api.TemplateService;
import dev.corral.web.api.TokenRoutes;
import dev.corral.web.api.VmRetirements;
import dev.corral.web.api.VmTaskRoutes;
import dev.corral.web.api.VmTaskService;
import dev.corral.web.auth.Authenticator;
import dev.corral.web.auth.TokenService;
import dev.corral.web.dashboard.Dashboard;
import dev.corral.web.dashboard.DashboardRoutes;
import dev.corral.web.metrics.CorralMetrics;
import dev.corral.web.metrics.DatabaseMetrics;
import dev.corral.web.metrics.HttpMetrics;
import dev.corral.web.metrics.LeaseMetrics;
import dev.corral.web.metrics.MetricsRoutes;
import dev.corral.web.metrics.RefusalMetrics;
import dev.corral.web.logging.LogFormat;
import dev.corral.web.temporal.EmbeddedTemporal;
import dev.corral.web.vmpooler.VmpoolerTokenRoutes;
import dev.corral.web.vmpooler.VmpoolerConfigRoutes;
import dev.corral.web.vmpooler.VmpoolerRoutes;
import dev.corral.web.vmpooler.VmpoolerStatus;
import dev.corral.web.vmpooler.VmpoolerStatusRoutes;
import dev.corral.web.vmpooler.VmpoolerSummary;
import dev.corral.web.vmpooler.VmpoolerOndemandRoutes;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part from the config, in dependency order, and stops them in
 * reverse. Start-up order matters: schema and config sync before workers, workers before recovery
 * (recovered workflows need someone to run them), recovery before the API takes leases.
 */
public final class CorralApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CorralApp.class);
  /** Enough connections for 16 concurrent lease clients plus activities. */
  private static final int DB_CONNECTIONS = 32;
  /** How long a stop waits for requests under way; a lease claim takes milliseconds. */
  private static final Duration HTTP_DRAIN = Duration.ofSeconds(10);
  /** How long start-up waits for an external Temporal cluster before giving up with a one-line error. */
  static final java.time.Duration TEMPORAL_CONNECT_TIMEOUT = java.time.Duration.ofSeconds(15);

  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  private final CorralConfig config;
  private Javalin http;
  private final List<String> routes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private Db db;
  private WorkflowClient workflowClient;
  private ProviderRegistry providers;
  private CorralMetrics metrics;
  /** Null with an external database. */
  private MariaDbSupervisor embeddedSupervisor;

  /** Read again by a config reload; null when started from a config object, which has nothing to re-read. */
  private final ConfigSource source;
  private ConfigReloader reloader;

  private CorralApp(CorralConfig config, ConfigSource source) {
    this.config = config;
    this.source = source;
  }

  public static CorralApp start(CorralConfig config) {
    return start(config, CorralWorkers.DEFAULTS);
  }

  public static CorralApp start(CorralConfig config, CorralWorkers.Timings timings) {
    return start(config, null, timings, null, null);
  }

  /**
   * Loads the config from {@code source} and starts; {@code POST /v1/config/reload} and SIGHUP read the same
   * source again.
   *
   * @throws dev.corral.config.ConfigException when the config has problems
   */
  public static CorralApp start(ConfigSource source, CorralWorkers.Timings timings) {
    return start(source.load(), source, timings, null, null);
  }

  /**
   * Tests of several instances: {@code sharedProviders} (not closed by this app) stands for hypervisors that
   * several Corral processes share. A simulated provider lives inside one process, so instances in one test JVM
   * must share the object to see one inventory. Null builds the providers from the config.
   * {@code sharedTemporal} (not closed by this app) stands for the Temporal cluster they share: the embedded server
   * answers only callers that hold its secret, so they need the object to reach it. Null connects as the config says.
   */
  static CorralApp start(CorralConfig config, CorralWorkers.Timings timings, ProviderRegistry sharedProviders,
      EmbeddedTemporal sharedTemporal) {
    return start(config, null, timings, sharedProviders, sharedTemporal);
  }

  private static CorralApp start(CorralConfig config, ConfigSource source, CorralWorkers.Timings timings,
      ProviderRegistry sharedProviders, EmbeddedTemporal sharedTemporal) {
    LogFormat.apply(config.logging());
    CorralApp app = new CorralApp(config, source);
    try {
      app.boot(timings, sharedProviders, sharedTemporal);
      return app;
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
  }

  private void boot(CorralWorkers.Timings timings, ProviderRegistry sharedProviders, EmbeddedTemporal sharedTemporal) {
    long started = System.nanoTime();
    Instant startedAt = Instant.now();
    // Millisecond ticks: the database keeps milliseconds, so the API shows the same time before and after a read.
    Clock clock = Clock.tickMillis(ZoneOffset.UTC);
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data_dir " + config.dataDir(), e);
    }

    // First made, last closed: every part records into it, and a statsd export flushes at the very end.
    metrics = CorralMetrics.create(config.metrics());
    toClose.push(metrics);
    MeterRegistry registry = metrics.registry();

    db = openDatabase();
    db.migrate();
    new ConfigSync(db).apply(config, clock.instant());
    log.info("inventory ready: schema migrated, config synced ({} ms)", elapsedMs(started));

    WorkflowServiceStubs stubs = connectTemporal(sharedTemporal);
    WorkflowClient client =
        WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(config.temporal().namespace()).build());
    workflowClient = client;

    if (sharedProviders != null) {
      providers = sharedProviders;
    } else {
      providers = ProviderRegistry.fromConfig(config.providers(), config.dataDir());
      toClose.push(providers);
    }
    ShepherdNudger nudger = new ShepherdNudger(client);
    toClose.push(nudger);

    VmWorkflows vmWorkflows = new VmWorkflows(client);
    ReconcileStats reconcileStats = new ReconcileStats();
    ReconcileMetrics.register(registry, reconcileStats, providers.names());
    Reconciler reconciler =
        new Reconciler(db, providers, vmWorkflows, nudger, clock, config.reconcile(), reconcileStats);
    WorkerFactory workers = WorkerFactory.newInstance(client, CorralWorkers.factoryOptions());
    TrackerSources trackerSources = new TrackerSources(config.tracker().sources());
    CorralWorkers.register(workers, db, providers, clock, nudger, timings, trackerSources, reconciler, registry);
    workers.start();
    toClose.push(() -> {
      workers.shutdown();
      workers.awaitTermination(10, TimeUnit.SECONDS);
    });

    log.info("Temporal workers started ({} ms)", elapsedMs(started));
    LeaseWaits leaseWaits = new LeaseWaits(client);
    Shepherds shepherds = new Shepherds(client);
    new StartupRecovery(db, vmWorkflows, shepherds, leaseWaits, clock).run();
    // After recovery (the workflows it resumed know their VMs) and before leases: a dead ready VM must not be leased.
    new ProviderSweep(db, providers, vmWorkflows, clock, config.reconcile()).run();
    Reconcilers reconcilers = new Reconcilers(client);
    providers.names().forEach(name -> reconcilers.ensureRunning(name, config.reconcile()));
    BuildStarter builds = new BuildStarter(db, client, clock);
    int resumedBuilds = builds.resumeUnfinished();
    if (resumedBuilds > 0) {
      log.info("start-up: {} unfinished template build(s) resumed", resumedBuilds);
    }
    VmTaskStore vmTaskStore = new VmTaskStore(db);
    VmTasks vmTaskWorkflows = new VmTasks(client, vmTaskStore, clock);
    toClose.push(vmTaskWorkflows);
    int resumedTasks = vmTaskWorkflows.resumeUnfinished();
    if (resumedTasks > 0) {
      log.info("start-up: {} unfinished VM task(s) resumed", resumedTasks);
    }
    Tracker tracker = new Tracker(client);
    tracker.ensureRunning(config.tracker().interval());

    VmRetirements retirements = new VmRetirements(vmWorkflows, clock);
    toClose.push(retirements);
    ObjectMapper json = Json.mapper();
    LeaseStore leaseStore = new LeaseStore(db, ReuseRules.of(config.pools()));
    toClose.push(leaseStore);
    AccessPolicy access = new AccessPolicy(config.auth(), config.quotas());
    ShortageReport shortages = new ShortageReport(db);
    Checkouts checkouts = new Checkouts(leaseStore, new PoolCatalog(db, clock), config.pools(), access,
        shortages, nudger, retirements, clock, new LeaseMetrics(registry));
    PendingLeaseService pendingLeases =
        new PendingLeaseService(new PendingLeaseStore(db), leaseStore, checkouts, leaseWaits, nudger, retirements, clock);
    LeaseService leases = new LeaseService(leaseStore, checkouts, pendingLeases, clock, nudger, retirements);
    BodyLimit bodyLimit = new BodyLimit(config.server().maxBodyBytes());
    ApiDocs docs = ApiDocs.load();
    HttpMetrics httpMetrics = new HttpMetrics(registry);
    http =
        Javalin.create(
            cfg -> {
              cfg.showJavalinBanner = false;
              cfg.jsonMapper(new JavalinJackson(json, false));
              bodyLimit.configure(cfg);
              RequestMethods.configure(cfg);
              ApiDocs.configure(cfg);
              httpMetrics.configure(cfg);
              cfg.jetty.modifyServer(server -> {
                server.setErrorHandler(new JettyJsonErrors());
                // Graceful stop (Javalin's server has the StatisticsHandler it needs): no new connections, and
                // requests under way get their replies, so a lease claimed while the instance stops reaches its
                // caller instead of being held by nobody until it expires.
                server.setStopTimeout(HTTP_DRAIN.toMillis());
              });
              cfg.events(events -> events.handlerAdded(h -> {
                if (h.getHttpMethod().isHttpMethod()) {
                  routes.add(h.getHttpMethod().name() + " " + h.getPath());
                }
              }));
            });
    // Timed first, so requests refused by the before-handlers below count too.
    httpMetrics.register(http);
    new ErrorMapping(new RefusalMetrics(registry)).register(http);
    // Order matters: where a write comes from and what its body is (headers only), size, then the address's rate
    // (before auth, so password guessing counts), auth, the user's rate.
    new CrossOriginWrites().register(http);
    new BodyTypes().register(http);
    bodyLimit.register(http);
    RateLimiter rateLimiter = new RateLimiter(config.server().rateLimits());
    rateLimiter.registerPerAddress(http);
    TokenService tokens = new TokenService(new TokenStore(db), db, config.auth(), clock);
    new Authenticator(tokens).register(http);
    rateLimiter.registerPerUser(http);
    new TokenRoutes(tokens, json).register(http);
    new VmpoolerTokenRoutes(tokens).register(http);
    new Health(db, stubs, embeddedSupervisor).register(http);
    DatabaseMetrics.register(registry, db.availability(), embeddedSupervisor);
    new MetricsRoutes(metrics, new InventoryGauges(db, clock, registry, providers.names())).register(http);
    InventoryViews views = new InventoryViews(db, providers, clock);
    new Routes(leases, views, json).register(http);
    PoolOverrides overrides = new PoolOverrides(db, clock, nudger, retirements);
    new PoolAdminRoutes(overrides, json).register(http);
    VmpoolerConfigRoutes vmpoolerConfig = new VmpoolerConfigRoutes(overrides, views, json, config, startedAt, clock);
    new VmpoolerRoutes(List.of(
        new VmpoolerStatusRoutes(new VmpoolerStatus(db, clock, startedAt), new VmpoolerSummary(db, clock, json)),
        vmpoolerConfig)).register(http);
    LeasedVms leasedVms = new LeasedVms(db, leaseStore, leases, retirements, clock);
    VmTaskService vmTasks = new VmTaskService(leasedVms, vmTaskStore, vmTaskWorkflows, clock);
    new VmTaskRoutes(vmTasks, json).register(http);
    new VmpoolerVmRoutes(checkouts, leasedVms, vmTasks, json, clock).register(http);
    TemplateService templates = new TemplateService(db, builds, tracker, client, providers, clock,
        config.temporal().uiUrl(), config.temporal().namespace());
    new TemplateRoutes(templates, json).register(http);
    new PendingLeaseRoutes(pendingLeases, json).register(http);
    new ReconcileRoutes(new ReconcileService(reconciler, providers), json).register(http);
    new ProviderAdminRoutes(new ProviderAdmin(db, providers, views, nudger, clock), json).register(http);
    new VmpoolerOndemandRoutes(pendingLeases, checkouts, json).register(http);
    reloader = new ConfigReloader(source, config, db, shepherds, nudger, clock,
        List.of(leaseStore, checkouts, access, tokens, rateLimiter, reconciler, trackerSources, vmpoolerConfig));
    new ConfigRoutes(reloader).register(http);
    new DashboardRoutes(new Dashboard(views, shortages, templates, leases, tokens.authOn(), clock), tokens.authOn())
        .register(http);
    docs.register(http);
    http.start(config.server().host(), config.server().port());
    toClose.push(http::stop);
    log.info("Corral is up on http://{}:{} ({} pool(s), {} provider(s)) in {} ms",
        config.server().host(), port(), config.pools().size(), config.providers().size(), elapsedMs(started));
  }

  private static long elapsedMs(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  private Db openDatabase() {
    if (!config.database().embedded()) {
      Db external;
      try {
        external = Db.connect(config.database().url(), config.database().user(), config.database().password(), DB_CONNECTIONS);
      } catch (RuntimeException e) {
        // Only host:port: the URL itself may carry a password.
        throw new StartupFailure("database.url: cannot connect to the database at " + jdbcAddress(config.database().url())
            + " within " + Db.CONNECT_TIMEOUT.toSeconds() + " s (" + StartupFailure.networkReason(e) + ")", e);
      }
      toClose.push(external);
      return external;
    }
    EmbeddedMariaDb mariaDb = EmbeddedMariaDb.start(config.dataDir().resolve("mariadb"));
    toClose.push(mariaDb);
    // Closed before the server, so a stop is never taken for a death and answered with a restart.
    embeddedSupervisor = MariaDbSupervisor.watch(mariaDb, Clock.systemUTC());
    toClose.push(embeddedSupervisor);
    Db embedded = Db.connect(mariaDb.jdbcUrl(), mariaDb.user(), mariaDb.password(), DB_CONNECTIONS);
    toClose.push(embedded);
    return embedded;
  }

  private WorkflowServiceStubs connectTemporal(EmbeddedTemporal sharedTemporal) {
    WorkflowServiceStubsOptions.Builder options;
    if (sharedTemporal != null) {
      options = sharedTemporal.clientOptions();
    } else if (config.temporal().embedded()) {
      EmbeddedTemporal server = EmbeddedTemporal.start("127.0.0.1", 0);
      toClose.push(server);
      // The embedded server lives and dies with this process's workers, so the test server's
      // never-expiring sticky queues (stack-notes §3.4) cannot strand a workflow here.
      options = server.clientOptions();
      log.info("embedded Temporal server on {} (in memory: workflows are rebuilt from the database at start)", server.target());
    } else {
      options = WorkflowServiceStubsOptions.newBuilder().setTarget(config.temporal().address());
    }
    // The SDK's own meters (temporal_*: polls, task latencies, workflow and activity outcomes) go to /metrics too.
    options.setMetricsScope(metrics.temporalScope());
    WorkflowServiceStubs stubs;
    if (config.temporal().embedded()) {
      stubs = WorkflowServiceStubs.newServiceStubs(options.build());
    } else {
      try {
        // Connects and health-checks now: otherwise an unreachable cluster only shows as workers retrying forever.
        stubs = WorkflowServiceStubs.newConnectedServiceStubs(options.build(), TEMPORAL_CONNECT_TIMEOUT);
      } catch (RuntimeException e) {
        throw new StartupFailure("temporal.address: cannot connect to Temporal at " + config.temporal().address()
            + " within " + TEMPORAL_CONNECT_TIMEOUT.toSeconds() + " s (" + grpcReason(e) + ")", e);
      }
    }
    toClose.push(() -> {
      stubs.shutdown();
      stubs.awaitTermination(5, TimeUnit.SECONDS);
    });
    return stubs;
  }

  /** {@code host:port} of a JDBC URL, never its user, password or options. */
  static String jdbcAddress(String url) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("jdbc:[a-z]+://(?:[^@/]*@)?([^/?;]+)").matcher(url);
    return m.find() ? m.group(1) : "(unparsable url)";
  }

  private static String grpcReason(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof io.grpc.StatusRuntimeException status) {
        return status.getStatus().getCode().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      }
    }
    return StartupFailure.networkReason(e);
  }

  /** The port the API listens on (the configured one, or the one the OS picked for port 0). */
  /** SIGHUP's reload; see {@link ConfigReloader}. */
  public ConfigReloader.Result reloadConfig() {
    return reloader.reload();
  }

  public int port() {
    return http.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** Every HTTP route as {@code "METHOD /path/{param}"}, in registration order (the fuzz test walks them all). */
  public List<String> routes() {
    return List.copyOf(routes);
  }

  /** Tests ask Temporal how the workflows ended. */
  WorkflowClient workflowClient() {
    return workflowClient;
  }

  public Db db() {
    return db;
  }

  public ProviderRegistry providers() {
    return providers;
  }

  /** Stops everything in reverse start order; safe to call twice. */
  @Override
  public synchronized void close() {
    if (toClose.isEmpty()) {
      return;
    }
    log.info("Corral is stopping");
    while (!toClose.isEmpty()) {
      AutoCloseable part = toClose.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.warn("while stopping: {}", e.toString());
      }
    }
    log.info("Corral stopped");
  }
}
