package dev.corral.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.metrics.InventoryGauges;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.ReuseRules;
import dev.corral.activities.store.TokenStore;
import dev.corral.config.ConfigSource;
import dev.corral.config.CorralConfig;
import dev.corral.web.abuse.BodyLimit;
import dev.corral.web.abuse.BodyTypes;
import dev.corral.web.abuse.CrossOriginWrites;
import dev.corral.web.abuse.RateLimiter;
import dev.corral.web.abuse.RequestMethods;
import dev.corral.web.api.ApiDocs;
import dev.corral.web.api.BuildLeases;
import dev.corral.web.api.Checkouts;
import dev.corral.web.api.ErrorMapping;
import dev.corral.web.api.InventoryViews;
import dev.corral.web.api.JettyJsonErrors;
import dev.corral.web.api.Json;
import dev.corral.web.api.LeaseService;
import dev.corral.web.api.LeasedVms;
import dev.corral.web.api.PendingLeaseRoutes;
import dev.corral.web.api.PendingLeaseService;
import dev.corral.web.api.PoolAdminRoutes;
import dev.corral.web.api.PoolCatalog;
import dev.corral.web.api.PoolOverrides;
import dev.corral.web.api.ProviderAdmin;
import dev.corral.web.api.ProviderAdminRoutes;
import dev.corral.web.api.ReconcileRoutes;
import dev.corral.web.api.ReconcileService;
import dev.corral.web.api.Routes;
import dev.corral.web.api.ShortageReport;
import dev.corral.web.api.TemplateChoices;
import dev.corral.web.api.TemplateRoutes;
import dev.corral.web.api.TemplateService;
import dev.corral.web.api.TokenRoutes;
import dev.corral.web.api.VmRetirements;
import dev.corral.web.api.VmTaskRoutes;
import dev.corral.web.api.VmTaskService;
import dev.corral.web.auth.AccessPolicy;
import dev.corral.web.auth.Authenticator;
import dev.corral.web.auth.TokenService;
import dev.corral.web.dashboard.Dashboard;
import dev.corral.web.dashboard.DashboardRoutes;
import dev.corral.web.dashboard.RequestRoutes;
import dev.corral.web.metrics.CorralMetrics;
import dev.corral.web.metrics.DatabaseMetrics;
import dev.corral.web.metrics.HttpMetrics;
import dev.corral.web.metrics.LeaseMetrics;
import dev.corral.web.metrics.MetricsRoutes;
import dev.corral.web.metrics.RefusalMetrics;
import dev.corral.web.reload.ConfigReloader;
import dev.corral.web.reload.ConfigRoutes;
import dev.corral.web.vmpooler.VmpoolerConfigRoutes;
import dev.corral.web.vmpooler.VmpoolerOndemandRoutes;
import dev.corral.web.vmpooler.VmpoolerRoutes;
import dev.corral.web.vmpooler.VmpoolerStatus;
import dev.corral.web.vmpooler.VmpoolerStatusRoutes;
import dev.corral.web.vmpooler.VmpoolerSummary;
import dev.corral.web.vmpooler.VmpoolerTokenRoutes;
import dev.corral.web.vmpooler.VmpoolerVmRoutes;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The HTTP side: the services behind the API, the guards every request passes, every route, the
 * dashboard, and the config reloader that reaches into them. Last of the parts, so that the first
 * lease it hands out comes from an inventory that recovery has already checked.
 */
record HttpApi(Javalin http, ConfigReloader reloader) {
  /** How long a stop waits for requests under way; a lease claim takes milliseconds. */
  private static final Duration HTTP_DRAIN = Duration.ofSeconds(10);

  /** What the API is built from: the other parts, and what a reload re-reads. */
  record Parts(
      CorralConfig config,
      ConfigSource source,
      Storage storage,
      ProviderRegistry providers,
      TemporalRuntime temporal,
      Recovery recovery,
      CorralMetrics metrics,
      Clock clock,
      Instant startedAt) {}

  static HttpApi start(Parts p, List<String> routes, StopList stops) {
    CorralConfig config = p.config();
    Db db = p.storage().db();
    Clock clock = p.clock();
    MeterRegistry registry = p.metrics().registry();
    TemporalRuntime temporal = p.temporal();
    ProviderRegistry providers = p.providers();

    VmRetirements retirements = stops.add(new VmRetirements(temporal.vmWorkflows(), clock));
    ObjectMapper json = Json.mapper();
    LeaseStore leaseStore = stops.add(new LeaseStore(db, ReuseRules.of(config.pools())));
    AccessPolicy access = new AccessPolicy(config.auth(), config.quotas());
    ShortageReport shortages = new ShortageReport(db);
    Checkouts checkouts =
        new Checkouts(
            leaseStore,
            new PoolCatalog(db, clock),
            config.pools(),
            access,
            shortages,
            temporal.nudger(),
            retirements,
            clock,
            new LeaseMetrics(registry));
    PendingLeaseService pendingLeases =
        new PendingLeaseService(
            new PendingLeaseStore(db),
            leaseStore,
            checkouts,
            p.recovery().leaseWaits(),
            temporal.nudger(),
            retirements,
            clock);
    InventoryViews views = new InventoryViews(db, providers, clock);
    TemplateChoices templateChoices = new TemplateChoices(db, views, access, checkouts::configOf);
    LeaseService leases =
        new LeaseService(
            leaseStore,
            checkouts,
            pendingLeases,
            clock,
            temporal.nudger(),
            retirements,
            new BuildLeases(
                leaseStore,
                pendingLeases,
                templateChoices,
                checkouts,
                temporal.nudger(),
                retirements,
                clock));
    BodyLimit bodyLimit = new BodyLimit(config.server().maxBodyBytes());
    HttpMetrics httpMetrics = new HttpMetrics(registry);
    Javalin http = javalin(json, bodyLimit, httpMetrics, routes);

    // Timed first, so requests refused by the before-handlers below count too.
    httpMetrics.register(http);
    new ErrorMapping(new RefusalMetrics(registry)).register(http);
    // Order matters: where a write comes from and what its body is (headers only), size, then the
    // address's rate
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
    new Health(db, temporal.stubs(), p.storage().embeddedSupervisor()).register(http);
    DatabaseMetrics.register(registry, db.availability(), p.storage().embeddedSupervisor());
    new MetricsRoutes(p.metrics(), new InventoryGauges(db, clock, registry, providers.names()))
        .register(http);
    new Routes(leases, views, json).register(http);
    PoolOverrides overrides = new PoolOverrides(db, clock, temporal.nudger(), retirements);
    new PoolAdminRoutes(overrides, json).register(http);
    VmpoolerConfigRoutes vmpoolerConfig =
        new VmpoolerConfigRoutes(overrides, views, json, config, p.startedAt(), clock);
    new VmpoolerRoutes(
            List.of(
                new VmpoolerStatusRoutes(
                    new VmpoolerStatus(db, clock, p.startedAt()),
                    new VmpoolerSummary(db, clock, json)),
                vmpoolerConfig))
        .register(http);
    LeasedVms leasedVms = new LeasedVms(db, leaseStore, leases, retirements, clock);
    VmTaskService vmTasks =
        new VmTaskService(
            leasedVms, p.recovery().vmTaskStore(), p.recovery().vmTasks(), providers, clock);
    new VmTaskRoutes(vmTasks, json).register(http);
    new VmpoolerVmRoutes(checkouts, leasedVms, vmTasks, json, clock).register(http);
    TemplateService templates =
        new TemplateService(
            db,
            p.recovery().builds(),
            p.recovery().tracker(),
            temporal.client(),
            providers,
            clock,
            config.temporal().uiUrl(),
            config.temporal().namespace());
    new TemplateRoutes(templates, new TemplateChoices(db, views, access, checkouts::configOf), json)
        .register(http);
    new PendingLeaseRoutes(pendingLeases, json).register(http);
    new ReconcileRoutes(new ReconcileService(temporal.reconciler(), providers), json)
        .register(http);
    new ProviderAdminRoutes(new ProviderAdmin(db, providers, views, temporal.nudger(), clock), json)
        .register(http);
    new VmpoolerOndemandRoutes(pendingLeases, checkouts, json).register(http);
    ConfigReloader reloader =
        new ConfigReloader(
            p.source(),
            config,
            db,
            p.recovery().shepherds(),
            temporal.nudger(),
            clock,
            List.of(
                leaseStore,
                checkouts,
                access,
                tokens,
                rateLimiter,
                temporal.reconciler(),
                temporal.trackerSources(),
                vmpoolerConfig));
    new ConfigRoutes(reloader).register(http);
    new RequestRoutes(templates, templateChoices, leases, tokens.authOn()).register(http);
    new DashboardRoutes(
            new Dashboard(views, shortages, templates, leases, tokens.authOn(), clock),
            tokens.authOn())
        .register(http);
    ApiDocs.load().register(http);

    http.start(config.server().host(), config.server().port());
    stops.add(http::stop);
    return new HttpApi(http, reloader);
  }

  /**
   * Javalin as Corral runs it; every route added is recorded in {@code routes} (the fuzz test walks
   * them).
   */
  private static Javalin javalin(
      ObjectMapper json, BodyLimit bodyLimit, HttpMetrics httpMetrics, List<String> routes) {
    return Javalin.create(
        cfg -> {
          cfg.showJavalinBanner = false;
          cfg.jsonMapper(new JavalinJackson(json, false));
          bodyLimit.configure(cfg);
          RequestMethods.configure(cfg);
          ApiDocs.configure(cfg);
          httpMetrics.configure(cfg);
          cfg.jetty.modifyServer(
              server -> {
                server.setErrorHandler(new JettyJsonErrors());
                // Graceful stop (Javalin's server has the StatisticsHandler it needs): no new
                // connections, and requests
                // under way get their replies, so a lease claimed while the instance stops reaches
                // its caller instead of
                // being held by nobody until it expires.
                server.setStopTimeout(HTTP_DRAIN.toMillis());
              });
          cfg.events(
              events ->
                  events.handlerAdded(
                      h -> {
                        if (h.getHttpMethod().isHttpMethod()) {
                          routes.add(h.getHttpMethod().name() + " " + h.getPath());
                        }
                      }));
        });
  }
}
