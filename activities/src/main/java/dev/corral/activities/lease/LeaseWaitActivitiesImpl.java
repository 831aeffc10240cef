package dev.corral.activities.lease;

import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.temporal.LeaseWaker;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.workflows.EventLog;
import dev.corral.workflows.activity.LeaseWaitActivities;
import dev.corral.workflows.model.LeaseFill;
import java.time.Clock;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class LeaseWaitActivitiesImpl implements LeaseWaitActivities {
  private static final Logger log = LoggerFactory.getLogger(LeaseWaitActivitiesImpl.class);

  private final PendingLeaseStore store;
  private final Clock clock;
  private final ShepherdNudger nudger;
  private final LeaseWaker waker;

  public LeaseWaitActivitiesImpl(
      PendingLeaseStore store, Clock clock, ShepherdNudger nudger, LeaseWaker waker) {
    this.store = store;
    this.clock = clock;
    this.nudger = nudger;
    this.waker = waker;
  }

  @Override
  public LeaseFill fill(String leaseId) {
    LeaseFill fill = store.fill(leaseId, clock.instant());
    if (fill.pending() || "active".equals(fill.state())) {
      // Held VMs left the ready stock, and missing ones raise the pool's target: refill soon.
      pools(leaseId).forEach(nudger::leased);
    }
    if ("active".equals(fill.state())) {
      EventLog.info(log, "pending lease filled: now active", EventLog.LEASE, leaseId);
    }
    return fill;
  }

  @Override
  public LeaseFill fail(String leaseId) {
    LeaseFill fill = store.fail(leaseId, clock.instant());
    if (PendingLeaseStore.FAILED.equals(fill.state())) {
      EventLog.warn(log, "pending lease failed: " + fill.reason(), EventLog.LEASE, leaseId);
      // Its held VMs are ready again: younger pending leases of those pools may take them now.
      pools(leaseId)
          .forEach(
              pool -> {
                waker.vmReady(pool);
                nudger.leased(pool);
              });
    }
    return fill;
  }

  private Set<String> pools(String leaseId) {
    return store
        .find(leaseId)
        .map(
            lease ->
                lease.demand().stream()
                    .map(LeaseDemandRow::pool)
                    .collect(Collectors.toCollection(TreeSet::new)))
        .orElseGet(TreeSet::new);
  }
}
