package dev.corral.activities.inventory;

import dev.corral.activities.metrics.VmMetrics;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmPorts;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.LeaseWaker;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.InventoryActivities;
import dev.corral.workflows.model.PoolPlan;
import dev.corral.workflows.model.ProvisionRequest;
import dev.corral.workflows.model.ProvisionResult;
import dev.corral.workflows.model.RetireRequest;
import dev.corral.workflows.model.VmAddress;
import dev.corral.workflows.model.VmFailed;
import dev.corral.workflows.model.VmReady;
import dev.corral.workflows.model.VmRequest;
import dev.corral.workflows.model.VmRetirement;
import dev.corral.workflows.model.VmTryFailed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class InventoryActivitiesImpl implements InventoryActivities {
  private static final Logger log = LoggerFactory.getLogger(InventoryActivitiesImpl.class);

  /**
   * The shepherd retires only VMs nobody holds: not yet ready, ready, or held for an owner's reuse
   * but not taken (the owner's lease takes it from reusable under the row lock, so never both). A
   * VM leased between the plan and this call keeps its lease; VMs of ended leases were moved to
   * destroying (or cleaning) when their lease ended.
   */
  private static final List<String> RETIRABLE =
      List.of(VmStates.PROVISIONING, VmStates.READY, VmStates.CLEANING, VmStates.REUSABLE);

  private final Db db;
  private final Clock clock;
  private final PoolPlanner planner;
  private final Provisioner provisioner;
  private final VmWorkflows vmWorkflows;
  private final ShepherdNudger nudger;
  private final LeaseWaker leaseWaker;
  private final VmMetrics metrics;

  /**
   * Starts block on a gRPC round trip and the common pool has one thread on a two-core machine, so
   * workflow starts get their own daemon threads, shared by every instance.
   */
  private static final Executor STARTERS =
      Executors.newFixedThreadPool(
          8,
          r -> {
            Thread t = new Thread(r, "vm-workflow-starter");
            t.setDaemon(true);
            return t;
          });

  public InventoryActivitiesImpl(
      Db db,
      Clock clock,
      PoolPlanner planner,
      VmWorkflows vmWorkflows,
      ShepherdNudger nudger,
      LeaseWaker leaseWaker,
      VmMetrics metrics) {
    this.metrics = metrics;
    this.db = db;
    this.clock = clock;
    this.planner = planner;
    this.provisioner = new Provisioner(db, clock);
    this.vmWorkflows = vmWorkflows;
    this.nudger = nudger;
    this.leaseWaker = leaseWaker;
  }

  @Override
  public PoolPlan planPool(String pool) {
    return planner.plan(pool);
  }

  @Override
  public ProvisionResult provisionVms(ProvisionRequest request) {
    // Read before the reservation: a VM change after this point makes the "no room" below stale.
    long vmChanges = nudger.vmChangeCount();
    Provisioner.Reservation reservation = provisioner.reserve(request.pool(), request.names());
    if (reservation.limitedBy() != null) {
      nudger.noRoom(request.pool(), vmChanges);
    } else {
      nudger.roomFound(request.pool());
    }
    // Rows first, workflows second: a crash in between leaves provisioning rows that start-up
    // resumes.
    // Started side by side: one start is a server round trip, and a wave of clones waits for the
    // last.
    CompletableFuture.allOf(
            reservation.vms().stream()
                .map(vm -> CompletableFuture.runAsync(() -> vmWorkflows.start(vm), STARTERS))
                .toArray(CompletableFuture[]::new))
        .join();
    for (VmRequest vm : reservation.vms()) {
      EventLog.info(
          log,
          "VM provisioning",
          EventLog.VM,
          vm.vm(),
          EventLog.POOL,
          vm.pool(),
          EventLog.PROVIDER,
          vm.provider(),
          EventLog.TEMPLATE,
          vm.template());
    }
    if (reservation.limitedBy() != null && !reservation.vms().isEmpty()) {
      EventLog.info(
          log,
          "pool short of room: started "
              + reservation.vms().size()
              + " of "
              + request.names().size()
              + " VMs; "
              + reservation.limitedBy(),
          EventLog.POOL,
          request.pool());
    } else if (reservation.limitedBy() != null && log.isDebugEnabled()) {
      // Every shepherd pass of a pool waiting for room asks again: one line per pass would flood
      // the log.
      log.debug(
          "pool {}: no room for {} VMs; {}",
          request.pool(),
          request.names().size(),
          reservation.limitedBy());
    }
    return new ProvisionResult(
        reservation.vms().stream().map(VmRequest::vm).toList(), reservation.limitedBy());
  }

  @Override
  public int retireVms(RetireRequest request) {
    Instant now = clock.instant();
    List<VmRow> rows =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              for (VmRetirement r : request.vms()) {
                vms.transition(r.vm(), RETIRABLE, VmStates.DESTROYING, r.reason(), now);
              }
              return request.vms().stream().map(r -> vms.selectByName(r.vm())).toList();
            });
    int retired = 0;
    for (int i = 0; i < rows.size(); i++) {
      VmRow row = rows.get(i);
      if (row != null && VmStates.DESTROYING.equals(row.state())) {
        vmWorkflows.retire(row, request.vms().get(i).reason());
        logRetired(row, request.vms().get(i).reason());
        retired++;
      }
    }
    return retired;
  }

  /**
   * Provisioning → ready; false when the VM is no longer wanted (pool drained, retired): destroy
   * it. Not an activity of its own: the readiness activity calls it as soon as the VM answered,
   * {@code booted} after its clone ended.
   */
  public boolean markReady(VmReady ready, Duration booted) {
    Instant now = clock.instant();
    VmAddress address = ready.address();
    Change change =
        change(
            ready.vm(),
            vms ->
                vms.markReady(
                    ready.vm(),
                    address.hostname(),
                    address.ip(),
                    VmPorts.encode(address.ports()),
                    now));
    VmRow row = change.row();
    if (row == null) {
      return false;
    }
    if (change.applied()) {
      EventLog.info(
          log,
          "VM ready at " + address.ip(),
          EventLog.VM,
          row.name(),
          EventLog.POOL,
          row.pool(),
          EventLog.PROVIDER,
          row.provider());
      // Only the call that made it ready counts it: a retried activity finds it ready already.
      metrics.booted(row.pool(), row.provider(), booted);
      metrics.becameReady(row.pool(), row.provider(), Duration.between(row.createdAt(), now));
    }
    nudger.vmChanged(row.pool());
    if (VmStates.READY.equals(row.state())) {
      leaseWaker.vmReady(row.pool());
    }
    // A retry after a successful first attempt finds the VM ready or already leased: still wanted.
    return VmStates.READY.equals(row.state()) || VmStates.LEASED.equals(row.state());
  }

  /**
   * Provisioning VM's clone finished: its boot starts now (the clone and boot statistics split
   * there). Not an activity of its own: the clone activity calls it, so a VM costs no extra
   * workflow step. A later try overwrites it, so the boot is measured from the clone that booted.
   * {@code took} is the provider's clone call.
   */
  public void markCloned(String vm, Duration took) {
    Instant now = clock.instant();
    Change change = change(vm, vms -> vms.markCloned(vm, now));
    VmRow row = change.row();
    if (change.applied() && row != null) {
      EventLog.info(
          log,
          "VM cloned from " + row.template(),
          EventLog.VM,
          vm,
          EventLog.POOL,
          row.pool(),
          EventLog.PROVIDER,
          row.provider());
      metrics.cloned(row.pool(), row.provider(), took);
    }
  }

  @Override
  public void recordTryFailed(VmTryFailed failure) {
    Instant now = clock.instant();
    VmRow row =
        change(
                failure.vm(),
                vms -> vms.recordTry(failure.vm(), failure.attempt(), failure.reason(), now))
            .row();
    if (row != null) {
      metrics.tryFailed(row.pool(), row.provider());
    }
  }

  @Override
  public void markFailed(VmFailed failure) {
    Instant now = clock.instant();
    Change change =
        change(
            failure.vm(),
            vms -> vms.markFailed(failure.vm(), failure.attempts(), failure.reason(), now));
    VmRow row = change.row();
    if (row != null) {
      if (change.applied()) {
        metrics.failed(row.pool(), row.provider());
        EventLog.warn(
            log,
            "VM failed after " + failure.attempts() + " tries: " + failure.reason(),
            EventLog.VM,
            row.name(),
            EventLog.POOL,
            row.pool(),
            EventLog.PROVIDER,
            row.provider());
        ProviderHealth.Status health =
            db.inTransaction(
                session ->
                    ProviderHealth.of(session.getMapper(VmMapper.class), row.provider(), now));
        ProviderHealth.noticed(row.provider(), health);
      }
      nudger.vmChanged(row.pool());
    }
  }

  @Override
  public void markDestroyed(String vm) {
    Instant now = clock.instant();
    Change change = change(vm, vms -> vms.markDestroyed(vm, now));
    VmRow row = change.row();
    if (row != null && change.applied()) {
      EventLog.info(
          log,
          "VM destroyed",
          EventLog.VM,
          vm,
          EventLog.POOL,
          row.pool(),
          EventLog.PROVIDER,
          row.provider(),
          EventLog.LEASE,
          row.leaseId());
      if (row.destroyingAt() != null) {
        metrics.destroyed(row.pool(), row.provider(), Duration.between(row.destroyingAt(), now));
      }
    }
    if (row != null) {
      nudger.vmChanged(row.pool());
    }
  }

  @Override
  public boolean markReusable(String vm) {
    Instant now = clock.instant();
    VmRow row = change(vm, vms -> vms.markReusable(vm, now)).row();
    if (row == null) {
      return false;
    }
    if (VmStates.REUSABLE.equals(row.state())) {
      EventLog.info(
          log,
          "VM cleaned and held for its owner until " + row.reusableUntil(),
          EventLog.VM,
          vm,
          EventLog.POOL,
          row.pool(),
          EventLog.PROVIDER,
          row.provider(),
          EventLog.OWNER,
          row.reservedFor());
      return true;
    }
    return false;
  }

  @Override
  public boolean expireReusable(VmRetirement expiry) {
    Instant now = clock.instant();
    VmRow row =
        change(
                expiry.vm(),
                vms ->
                    vms.transition(
                        expiry.vm(),
                        List.of(VmStates.REUSABLE),
                        VmStates.DESTROYING,
                        expiry.reason(),
                        now))
            .row();
    if (row == null || !VmStates.LIVE.contains(row.state())) {
      return true; // nothing left to keep
    }
    if (VmStates.DESTROYING.equals(row.state())) {
      logRetired(row, row.retireReason());
      return true;
    }
    return false;
  }

  @Override
  public void cleanupFailed(VmRetirement failure) {
    Instant now = clock.instant();
    db.inTransaction(
        session ->
            session
                .getMapper(VmMapper.class)
                .transition(
                    failure.vm(),
                    List.of(VmStates.CLEANING),
                    VmStates.DESTROYING,
                    failure.reason(),
                    now));
  }

  /** A compare-and-set change: whether it matched the row, and the row as it is after it. */
  private record Change(boolean applied, VmRow row) {}

  /** The one line of a VM retirement (it is destroyed next), whoever retired it. */
  static void logRetired(VmRow row, String reason) {
    EventLog.info(
        log,
        "VM retired: " + reason,
        EventLog.VM,
        row.name(),
        EventLog.POOL,
        row.pool(),
        EventLog.PROVIDER,
        row.provider(),
        EventLog.LEASE,
        row.leaseId());
  }

  /** Applies one compare-and-set change and reads the VM back in the same transaction. */
  private Change change(String vm, Function<VmMapper, Integer> change) {
    return db.inTransaction(
        session -> {
          VmMapper vms = session.getMapper(VmMapper.class);
          int matched = change.apply(vms);
          return new Change(matched > 0, vms.selectByName(vm));
        });
  }
}
