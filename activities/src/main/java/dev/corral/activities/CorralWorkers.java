package dev.corral.activities;

import dev.corral.activities.build.BuildActivitiesImpl;
import dev.corral.activities.build.BuildStarter;
import dev.corral.activities.build.BuildStepActivitiesImpl;
import dev.corral.activities.build.BuildWaker;
import dev.corral.activities.inventory.InventoryActivitiesImpl;
import dev.corral.activities.inventory.PoolPlanner;
import dev.corral.activities.lease.LeaseWaitActivitiesImpl;
import dev.corral.activities.metrics.BuildMetrics;
import dev.corral.activities.metrics.VmMetrics;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.reconcile.ReconcileActivitiesImpl;
import dev.corral.activities.reconcile.Reconciler;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.task.VmTaskActivitiesImpl;
import dev.corral.activities.task.VmTaskProviderActivitiesImpl;
import dev.corral.activities.templates.TemplateTracker;
import dev.corral.activities.templates.TrackerActivitiesImpl;
import dev.corral.activities.templates.TrackerSources;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.LeaseWaker;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.TemplateChanges;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.TaskQueues;
import dev.corral.workflows.build.TemplateBuildWorkflowImpl;
import dev.corral.workflows.lease.LeaseWaitWorkflowImpl;
import dev.corral.workflows.reconcile.ReconcilerWorkflowImpl;
import dev.corral.workflows.shepherd.PoolShepherdWorkflowImpl;
import dev.corral.workflows.task.VmTaskWorkflowImpl;
import dev.corral.workflows.tracker.TemplateTrackerWorkflowImpl;
import dev.corral.workflows.vm.VmWorkflowImpl;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Clock;
import java.time.Duration;

/**
 * Registers every workflow and activity on its task queue: workflows and inventory activities on
 * the workflow queue, each provider's activities on that provider's own queue. The app and the
 * workflow tests both wire workers through here, so the tests run what production runs.
 */
public final class CorralWorkers {
  /** Timings a test may shorten; production uses {@link #DEFAULTS}. */
  public record Timings(Duration shepherdPoll, Duration readyPoll) {}

  /**
   * A readiness probe every 50 ms costs the providers little and takes little off each clone wave.
   */
  public static final Timings DEFAULTS = new Timings(Duration.ofSeconds(10), Duration.ofMillis(50));

  private CorralWorkers() {}

  /**
   * The options of every worker factory that runs Corral's workers (the app's and the tests'):
   * activity failures caused by an unreachable database get their own type ({@link
   * DatabaseFailures}). {@code more} come after it, nearer the activity.
   */
  public static WorkerFactoryOptions factoryOptions(WorkerInterceptor... more) {
    WorkerInterceptor[] interceptors = new WorkerInterceptor[more.length + 1];
    interceptors[0] = new DatabaseFailures();
    System.arraycopy(more, 0, interceptors, 1, more.length);
    return WorkerFactoryOptions.newBuilder().setWorkerInterceptors(interceptors).build();
  }

  /**
   * What the workers are made from. {@code reconciler} is shared with the caller, which runs its
   * "reconcile now" and reads its counters; {@code trackerSources} too, which a config reload
   * changes; the activities record their VM and build step timings in {@code metrics}.
   */
  public record Dependencies(
      Db db,
      ProviderRegistry providers,
      Clock clock,
      ShepherdNudger nudger,
      Timings timings,
      TrackerSources trackerSources,
      Reconciler reconciler,
      MeterRegistry metrics) {}

  public static void register(WorkerFactory factory, Dependencies dependencies) {
    Db db = dependencies.db();
    ProviderRegistry providers = dependencies.providers();
    Clock clock = dependencies.clock();
    ShepherdNudger nudger = dependencies.nudger();
    Timings timings = dependencies.timings();
    TrackerSources trackerSources = dependencies.trackerSources();
    Reconciler reconciler = dependencies.reconciler();
    MeterRegistry metrics = dependencies.metrics();
    VmMetrics vmMetrics = new VmMetrics(metrics);
    BuildMetrics buildMetrics = new BuildMetrics(metrics);
    BuildWaker buildWaker = new BuildWaker(db, factory.getWorkflowClient());
    TemplateChanges templateChanges = new TemplateChanges(db, nudger);
    Worker workflows = factory.newWorker(TaskQueues.WORKFLOWS);
    workflows.registerWorkflowImplementationTypes(
        PoolShepherdWorkflowImpl.class,
        VmWorkflowImpl.class,
        TemplateBuildWorkflowImpl.class,
        TemplateTrackerWorkflowImpl.class,
        LeaseWaitWorkflowImpl.class,
        VmTaskWorkflowImpl.class,
        ReconcilerWorkflowImpl.class);
    BuildStarter builds = new BuildStarter(db, factory.getWorkflowClient(), clock);
    workflows.registerActivitiesImplementations(
        new BuildActivitiesImpl(db, clock, buildWaker),
        new TrackerActivitiesImpl(
            new TemplateTracker(db, providers, trackerSources, builds, clock, templateChanges)));
    PendingLeaseStore pendingLeases = new PendingLeaseStore(db);
    LeaseWaker leaseWaker =
        new LeaseWaker(pendingLeases, new LeaseWaits(factory.getWorkflowClient()));
    InventoryActivitiesImpl inventory =
        new InventoryActivitiesImpl(
            db,
            clock,
            new PoolPlanner(db, clock, timings.shepherdPoll()),
            new VmWorkflows(factory.getWorkflowClient()),
            nudger,
            leaseWaker,
            vmMetrics);
    workflows.registerActivitiesImplementations(
        inventory,
        new LeaseWaitActivitiesImpl(pendingLeases, clock, nudger, leaseWaker),
        new VmTaskActivitiesImpl(new VmTaskStore(db), clock));

    for (String name : providers.names()) {
      ProviderConfig config = providers.config(name);
      // Readiness waits hold a worker slot for the whole boot, so the slots must outnumber the
      // clones the provider may run at once, with room left for destroys.
      int slots = Math.max(20, config.maxConcurrentClones() * 3);
      Worker worker =
          factory.newWorker(
              TaskQueues.provider(name),
              WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(slots).build());
      worker.registerActivitiesImplementations(
          new ProviderActivitiesImpl(
              providers,
              timings.readyPoll(),
              inventory::markReady,
              inventory::markCloned,
              vmMetrics),
          new BuildStepActivitiesImpl(
              db, providers, clock, buildWaker, templateChanges, buildMetrics),
          new VmTaskProviderActivitiesImpl(providers),
          new ReconcileActivitiesImpl(reconciler));
    }
  }
}
