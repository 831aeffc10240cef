package dev.corral.web;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.Db;
import dev.corral.config.ConfigSource;
import dev.corral.config.CorralConfig;
import dev.corral.web.logging.LogFormat;
import dev.corral.web.metrics.CorralMetrics;
import dev.corral.web.reload.ConfigReloader;
import dev.corral.web.temporal.EmbeddedTemporal;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: four parts, each made from the config and the parts before it, started in
 * dependency order and stopped in reverse. {@link Storage} (the inventory, migrated and synced with
 * the config) comes first; then {@link TemporalRuntime} (connection, client and Corral's workers);
 * then {@link Recovery} (what the database says should run, running again: recovered workflows need
 * the workers, and the API must not lease a VM that died while Corral was away); then {@link
 * HttpApi}.
 */
public final class CorralApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CorralApp.class);

  private final StopList stops = new StopList();
  private final CorralConfig config;

  /**
   * Read again by a config reload; null when started from a config object, which has nothing to
   * re-read.
   */
  private final ConfigSource source;

  private final List<String> routes = new CopyOnWriteArrayList<>();
  private Storage storage;
  private ProviderRegistry providers;
  private TemporalRuntime temporal;
  private HttpApi api;

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
   * Loads the config from {@code source} and starts; {@code POST /v1/config/reload} and SIGHUP read
   * the same source again.
   *
   * @throws dev.corral.config.ConfigException when the config has problems
   */
  public static CorralApp start(ConfigSource source, CorralWorkers.Timings timings) {
    return start(source.load(), source, timings, null, null);
  }

  /**
   * Tests of several instances: {@code sharedProviders} (not closed by this app) stands for
   * hypervisors that several Corral processes share. A simulated provider lives inside one process,
   * so instances in one test JVM must share the object to see one inventory. Null builds the
   * providers from the config. {@code sharedTemporal} (not closed by this app) stands for the
   * Temporal cluster they share: the embedded server answers only callers that hold its secret, so
   * they need the object to reach it. Null connects as the config says.
   */
  static CorralApp start(
      CorralConfig config,
      CorralWorkers.Timings timings,
      ProviderRegistry sharedProviders,
      EmbeddedTemporal sharedTemporal) {
    return start(config, null, timings, sharedProviders, sharedTemporal);
  }

  private static CorralApp start(
      CorralConfig config,
      ConfigSource source,
      CorralWorkers.Timings timings,
      ProviderRegistry sharedProviders,
      EmbeddedTemporal sharedTemporal) {
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

  private void boot(
      CorralWorkers.Timings timings,
      ProviderRegistry sharedProviders,
      EmbeddedTemporal sharedTemporal) {
    long started = System.nanoTime();
    Instant startedAt = Instant.now();
    // Millisecond ticks: the database keeps milliseconds, so the API shows the same time before and
    // after a read.
    Clock clock = Clock.tickMillis(ZoneOffset.UTC);
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data_dir " + config.dataDir(), e);
    }
    // First made, last stopped: every part records into it, and a statsd export flushes at the very
    // end.
    CorralMetrics metrics = stops.add(CorralMetrics.create(config.metrics()));

    storage = Storage.open(config, clock, stops);
    log.info("inventory ready: schema migrated, config synced ({} ms)", elapsedMs(started));
    providers =
        sharedProviders != null
            ? sharedProviders
            : stops.add(ProviderRegistry.fromConfig(config.providers(), config.dataDir()));
    temporal =
        TemporalRuntime.start(
            config, storage, providers, metrics, timings, sharedTemporal, clock, stops);
    log.info("Temporal workers started ({} ms)", elapsedMs(started));
    Recovery recovery = Recovery.run(config, storage.db(), providers, temporal, clock, stops);
    api =
        HttpApi.start(
            new HttpApi.Parts(
                config, source, storage, providers, temporal, recovery, metrics, clock, startedAt),
            routes,
            stops);
    log.info(
        "Corral is up on http://{}:{} ({} pool(s), {} provider(s)) in {} ms",
        config.server().host(),
        port(),
        config.pools().size(),
        config.providers().size(),
        elapsedMs(started));
  }

  private static long elapsedMs(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  /** SIGHUP's reload; see {@link ConfigReloader}. */
  public ConfigReloader.Result reloadConfig() {
    return api.reloader().reload();
  }

  /** The port the API listens on (the configured one, or the one the OS picked for port 0). */
  public int port() {
    return api.http().port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * Every HTTP route as {@code "METHOD /path/{param}"}, in registration order (the fuzz test walks
   * them all).
   */
  public List<String> routes() {
    return List.copyOf(routes);
  }

  /** Tests ask Temporal how the workflows ended. */
  WorkflowClient workflowClient() {
    return temporal.client();
  }

  public Db db() {
    return storage.db();
  }

  public ProviderRegistry providers() {
    return providers;
  }

  /** Stops everything in reverse start order; safe to call twice. */
  @Override
  public synchronized void close() {
    if (stops.isEmpty()) {
      return;
    }
    log.info("Corral is stopping");
    stops.stopAll();
    log.info("Corral stopped");
  }
}
