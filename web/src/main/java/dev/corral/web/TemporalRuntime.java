package dev.corral.web;

import dev.corral.activities.CorralWorkers;
import dev.corral.activities.metrics.ReconcileMetrics;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.reconcile.ReconcileStats;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.Db;
import dev.corral.activities.templates.TrackerSources;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.CorralConfig;
import dev.corral.web.metrics.CorralMetrics;
import dev.corral.web.temporal.EmbeddedTemporal;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal as Corral uses it: a connection (to the configured cluster, or to an embedded server it
 * starts), a client, and Corral's workers running on it. Also the pieces the rest of start-up
 * shares with the workers: the shepherd nudger, the reconciler (the API runs "reconcile now" on it)
 * and the tracker's sources (a reload changes them).
 */
record TemporalRuntime(
    WorkflowServiceStubs stubs,
    WorkflowClient client,
    ShepherdNudger nudger,
    VmWorkflows vmWorkflows,
    Reconciler reconciler,
    TrackerSources trackerSources) {
  private static final Logger log = LoggerFactory.getLogger(TemporalRuntime.class);

  /**
   * How long start-up waits for an external Temporal cluster before giving up with a one-line
   * error.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  /**
   * Connects and starts the workers. {@code sharedTemporal} (tests of several instances) is an
   * embedded server another part owns; null connects as the config says.
   */
  static TemporalRuntime start(
      CorralConfig config,
      Storage storage,
      ProviderRegistry providers,
      CorralMetrics metrics,
      CorralWorkers.Timings timings,
      EmbeddedTemporal sharedTemporal,
      Clock clock,
      StopList stops) {
    WorkflowServiceStubs stubs = connect(config, metrics, sharedTemporal, stops);
    WorkflowClient client =
        WorkflowClient.newInstance(
            stubs,
            WorkflowClientOptions.newBuilder().setNamespace(config.temporal().namespace()).build());
    ShepherdNudger nudger = stops.add(new ShepherdNudger(client));
    VmWorkflows vmWorkflows = new VmWorkflows(client);
    ReconcileStats reconcileStats = new ReconcileStats();
    ReconcileMetrics.register(metrics.registry(), reconcileStats, providers.names());
    Db db = storage.db();
    Reconciler reconciler =
        new Reconciler(
            db, providers, vmWorkflows, nudger, clock, config.reconcile(), reconcileStats);
    TrackerSources trackerSources = new TrackerSources(config.tracker().sources());
    WorkerFactory workers = WorkerFactory.newInstance(client, CorralWorkers.factoryOptions());
    CorralWorkers.register(
        workers,
        new CorralWorkers.Dependencies(
            db, providers, clock, nudger, timings, trackerSources, reconciler, metrics.registry()));
    workers.start();
    stops.add(
        () -> {
          workers.shutdown();
          workers.awaitTermination(10, TimeUnit.SECONDS);
        });
    return new TemporalRuntime(stubs, client, nudger, vmWorkflows, reconciler, trackerSources);
  }

  private static WorkflowServiceStubs connect(
      CorralConfig config, CorralMetrics metrics, EmbeddedTemporal sharedTemporal, StopList stops) {
    WorkflowServiceStubsOptions.Builder options;
    if (sharedTemporal != null) {
      options = sharedTemporal.clientOptions();
    } else if (config.temporal().embedded()) {
      EmbeddedTemporal server = stops.add(EmbeddedTemporal.start("127.0.0.1", 0));
      // The embedded server lives and dies with this process's workers, so the test server's
      // never-expiring sticky queues cannot strand a workflow here.
      options = server.clientOptions();
      log.info(
          "embedded Temporal server on {} (in memory: workflows are rebuilt from the database at start)",
          server.target());
    } else {
      options = WorkflowServiceStubsOptions.newBuilder().setTarget(config.temporal().address());
    }
    // The SDK's own meters (temporal_*: polls, task latencies, workflow and activity outcomes) go
    // to /metrics too.
    options.setMetricsScope(metrics.temporalScope());
    WorkflowServiceStubs stubs;
    if (config.temporal().embedded()) {
      stubs = WorkflowServiceStubs.newServiceStubs(options.build());
    } else {
      try {
        // Connects and health-checks now: otherwise an unreachable cluster only shows as workers
        // retrying forever.
        stubs = WorkflowServiceStubs.newConnectedServiceStubs(options.build(), CONNECT_TIMEOUT);
      } catch (RuntimeException e) {
        throw new StartupFailure(
            "temporal.address: cannot connect to Temporal at "
                + config.temporal().address()
                + " within "
                + CONNECT_TIMEOUT.toSeconds()
                + " s ("
                + grpcReason(e)
                + ")",
            e);
      }
    }
    stops.add(
        () -> {
          stubs.shutdown();
          stubs.awaitTermination(5, TimeUnit.SECONDS);
        });
    return stubs;
  }

  private static String grpcReason(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException status) {
        return status.getStatus().getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
      }
    }
    return StartupFailure.networkReason(e);
  }
}
