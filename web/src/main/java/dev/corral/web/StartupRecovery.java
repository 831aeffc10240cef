package dev.corral.web;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.LeaseWaitRow;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.Shepherds;
import dev.corral.activities.temporal.VmWorkflows;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the workflows the database says should exist. The embedded Temporal server forgets
 * everything on restart; against a real cluster the same calls find the running workflows and
 * change nothing, because every start uses the deterministic id with "use existing".
 */
final class StartupRecovery {
  private static final Logger log = LoggerFactory.getLogger(StartupRecovery.class);

  private final Db db;
  private final VmWorkflows vmWorkflows;
  private final Shepherds shepherds;
  private final LeaseWaits leaseWaits;
  private final Clock clock;

  StartupRecovery(
      Db db, VmWorkflows vmWorkflows, Shepherds shepherds, LeaseWaits leaseWaits, Clock clock) {
    this.db = db;
    this.clock = clock;
    this.vmWorkflows = vmWorkflows;
    this.shepherds = shepherds;
    this.leaseWaits = leaseWaits;
  }

  void run() {
    Map<String, PoolRow> pools = new HashMap<>();
    db.inTransaction(s -> s.getMapper(PoolMapper.class).selectAll())
        .forEach(p -> pools.put(p.name(), p));
    List<VmRow> unfinished =
        db.inTransaction(
            s ->
                s.getMapper(VmMapper.class)
                    .selectInStates(
                        List.of(
                            VmStates.PROVISIONING,
                            VmStates.DESTROYING,
                            VmStates.CLEANING,
                            VmStates.REUSABLE)));
    int resumed = 0;
    int destroying = 0;
    int held = 0;
    Instant now = clock.instant();
    for (VmRow vm : unfinished) {
      if (VmStates.CLEANING.equals(vm.state()) || VmStates.REUSABLE.equals(vm.state())) {
        // Held for an owner's reuse: clean again (idempotent) if it was cleaning, then wait out
        // what is left
        // of reusable_until (nothing, past it: the VM is destroyed at once).
        vmWorkflows.holdForOwner(vm, now);
        held++;
      } else if (VmStates.PROVISIONING.equals(vm.state()) && pools.containsKey(vm.pool())) {
        // Clone is idempotent by name: a VM the provider already made is picked up, a broken one
        // replaced.
        PoolRow pool = pools.get(vm.pool());
        vmWorkflows.start(
            VmWorkflows.provisionRequest(pool, vm.name(), vm.provider(), vm.template()));
        resumed++;
      } else {
        vmWorkflows.retire(
            vm, vm.retireReason() == null ? "resumed after restart" : vm.retireReason());
        destroying++;
      }
    }
    Set<String> withLiveVms =
        db.inTransaction(s -> s.getMapper(VmMapper.class).countLiveByPool()).stream()
            .map(StateCount::groupName)
            .collect(Collectors.toSet());
    int started = 0;
    for (PoolRow pool : pools.values()) {
      // Removed pools keep a shepherd until their VMs are gone, so they drain.
      if (pool.active() || withLiveVms.contains(pool.name())) {
        shepherds.ensureRunning(pool.name());
        started++;
      }
    }
    // Pending leases keep their deadline; one whose wait ran out during the restart fails at once.
    List<LeaseWaitRow> waiting = new PendingLeaseStore(db).allPending();
    waiting.forEach(lease -> leaseWaits.start(lease.leaseId(), lease.waitUntil()));
    log.info(
        "start-up: {} shepherd(s) running, {} provisioning VM(s) resumed, {} destroy(s) resumed, {} VM(s) held for"
            + " reuse, {} pending lease(s) waiting",
        started,
        resumed,
        destroying,
        held,
        waiting.size());
  }
}
