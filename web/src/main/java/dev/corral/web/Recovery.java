package dev.corral.web;

import dev.corral.activities.build.BuildStarter;
import dev.corral.activities.inventory.ProviderSweep;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.Reconcilers;
import dev.corral.activities.temporal.Shepherds;
import dev.corral.activities.temporal.Tracker;
import dev.corral.activities.temporal.VmTasks;
import dev.corral.config.CorralConfig;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the database says should be running, running again: VM, shepherd and lease-wait
 * workflows ({@link StartupRecovery}), a sweep of the providers for VMs that died while Corral was
 * away, one reconciler per provider, unfinished template builds and VM tasks, and the tracker.
 * After the workers (recovered workflows need someone to run them) and before the API (a dead ready
 * VM must not be leased).
 *
 * <p>What it made, the API uses too: it starts new VM tasks, builds and lease waits through them,
 * and a config reload changes the shepherds.
 */
record Recovery(
    LeaseWaits leaseWaits,
    Shepherds shepherds,
    BuildStarter builds,
    VmTaskStore vmTaskStore,
    VmTasks vmTasks,
    Tracker tracker) {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  static Recovery run(
      CorralConfig config,
      Db db,
      ProviderRegistry providers,
      TemporalRuntime temporal,
      Clock clock,
      StopList stops) {
    LeaseWaits leaseWaits = new LeaseWaits(temporal.client());
    Shepherds shepherds = new Shepherds(temporal.client());
    new StartupRecovery(db, temporal.vmWorkflows(), shepherds, leaseWaits, clock).run();
    new ProviderSweep(db, providers, temporal.vmWorkflows(), clock, config.reconcile()).run();
    Reconcilers reconcilers = new Reconcilers(temporal.client());
    providers.names().forEach(name -> reconcilers.ensureRunning(name, config.reconcile()));
    BuildStarter builds = new BuildStarter(db, temporal.client(), clock);
    int resumedBuilds = builds.resumeUnfinished();
    if (resumedBuilds > 0) {
      log.info("start-up: {} unfinished template build(s) resumed", resumedBuilds);
    }
    VmTaskStore vmTaskStore = new VmTaskStore(db);
    VmTasks vmTasks = stops.add(new VmTasks(temporal.client(), vmTaskStore, clock));
    int resumedTasks = vmTasks.resumeUnfinished();
    if (resumedTasks > 0) {
      log.info("start-up: {} unfinished VM task(s) resumed", resumedTasks);
    }
    Tracker tracker = new Tracker(temporal.client());
    tracker.ensureRunning(config.tracker().interval());
    return new Recovery(leaseWaits, shepherds, builds, vmTaskStore, vmTasks, tracker);
  }
}
