package dev.corral.web.api;

import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.QuotaExceededException;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.temporal.LeaseWaits;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.config.Durations;
import dev.corral.web.auth.Caller;
import dev.corral.workflows.EventLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases that wait for VMs: the request is recorded as a pending lease in one transaction and a
 * workflow fills it as VMs become ready (beyond the pools' ready stock: the shepherds provision for
 * it), or fails it when the wait runs out. Nothing here waits for VMs.
 */
public final class PendingLeaseService {
  private static final Logger log = LoggerFactory.getLogger(PendingLeaseService.class);

  /** A wait longer than a day is a forgotten request, not a lease. */
  static final Duration MAX_WAIT = Duration.ofDays(1);

  private final PendingLeaseStore store;
  private final LeaseStore leases;
  private final Checkouts checkouts;
  private final LeaseWaits waits;
  private final ShepherdNudger nudger;
  private final VmRetirements retirements;
  private final Clock clock;

  public PendingLeaseService(
      PendingLeaseStore store,
      LeaseStore leases,
      Checkouts checkouts,
      LeaseWaits waits,
      ShepherdNudger nudger,
      VmRetirements retirements,
      Clock clock) {
    this.store = store;
    this.leases = leases;
    this.checkouts = checkouts;
    this.waits = waits;
    this.nudger = nudger;
    this.retirements = retirements;
    this.clock = clock;
  }

  /**
   * Records a pending lease for {@code vms} (pool name or alias → count, in the order the caller
   * named them; the names are kept for the reply) and starts filling it. {@code lifetime} null
   * means the shortest default the caller has in the pools; it counts from when the lease is
   * filled. {@code requestId} is the client's idempotency key among the caller's own (null for
   * none; one the caller used before is a 409, one another user used is none of the caller's
   * business). {@code origin} names the API ({@code v1}, {@code vmpooler}). Unknown names are a 404
   * whose detail lists them under {@code unknown}; a pool the caller may not use is a 401 or 403,
   * as for a checkout.
   */
  public PendingLeaseView create(
      Caller caller,
      Map<String, Integer> vms,
      Duration lifetime,
      Duration wait,
      String requestId,
      String origin) {
    if (vms == null || vms.isEmpty()) {
      throw ApiException.badRequest(
          "'vms' must name at least one pool or alias", Map.of("field", "vms"));
    }
    checkWait(wait);
    if (requestId != null && (requestId.isBlank() || requestId.length() > 128)) {
      throw ApiException.badRequest(
          "request_id must be 1 to 128 characters", Map.of("field", "request_id"));
    }
    String id = UUID.randomUUID().toString();
    List<LeaseDemandRow> demand = new ArrayList<>();
    Map<String, Integer> perPool = new LinkedHashMap<>();
    vms.forEach(
        (name, count) -> {
          if (count == null || count < 1 || count > Checkouts.MAX_VMS_PER_POOL) {
            throw ApiException.badRequest(
                "vms."
                    + ApiException.clip(name)
                    + " must be a whole number from 1 to "
                    + Checkouts.MAX_VMS_PER_POOL,
                Map.of("field", "vms." + ApiException.clip(name)));
          }
        });
    List<Checkouts.Resolved> resolved = checkouts.resolve(caller, vms.keySet());
    for (Checkouts.Resolved r : resolved) {
      int count = vms.get(r.requestedName());
      perPool.merge(r.pool().name(), count, Integer::sum);
      demand.add(new LeaseDemandRow(id, demand.size(), r.requestedName(), r.pool().name(), count));
    }
    perPool.forEach(
        (pool, n) -> {
          if (n > Checkouts.MAX_VMS_PER_POOL) {
            throw ApiException.badRequest(
                "at most " + Checkouts.MAX_VMS_PER_POOL + " VMs of pool " + pool + " per lease",
                Map.of("pool", pool, "requested", n));
          }
        });
    Duration granted =
        checkouts.lifetime(
            caller,
            resolved.stream().map(Checkouts.Resolved::config).toList(),
            lifetime,
            "lifetime");
    return start(caller, id, demand, perPool, granted, wait, requestId, origin);
  }

  /**
   * A waiting lease of {@code count} VMs of one build that {@code pool} clones now ({@code
   * template}, its current template): the pool provisions beyond its size for it, and the lease
   * takes only VMs of that template.
   */
  /** Part of a waiting lease by build: {@code count} VMs of {@code template} from {@code pool}. */
  public record BuildShare(String pool, String template, int count) {}

  /**
   * A waiting lease by build: each share asks its pool for VMs of the build's template only (on
   * {@code provider}, when the pick named one), which the pool clones for it if they are not ready.
   */
  public PendingLeaseView createForBuild(
      Caller caller,
      List<BuildShare> shares,
      String provider,
      Duration granted,
      Duration wait,
      String origin) {
    checkWait(wait);
    String id = UUID.randomUUID().toString();
    List<LeaseDemandRow> demand = new ArrayList<>();
    Map<String, Integer> perPool = new LinkedHashMap<>();
    for (BuildShare share : shares) {
      demand.add(
          new LeaseDemandRow(
              id,
              demand.size(),
              share.pool(),
              share.pool(),
              share.count(),
              share.template(),
              provider));
      perPool.merge(share.pool(), share.count(), Integer::sum);
    }
    return start(caller, id, demand, perPool, granted, wait, null, origin);
  }

  private static void checkWait(Duration wait) {
    if (wait == null || wait.isNegative() || wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
      throw ApiException.badRequest(
          "wait must be positive and at most " + Durations.format(MAX_WAIT),
          Map.of("field", "wait", "maximum", Durations.format(MAX_WAIT)));
    }
  }

  private PendingLeaseView start(
      Caller caller,
      String id,
      List<LeaseDemandRow> demand,
      Map<String, Integer> perPool,
      Duration granted,
      Duration wait,
      String requestId,
      String origin) {
    Instant now = clock.instant();
    Instant waitUntil = now.plus(wait);
    try {
      store.create(
          new PendingLeaseStore.NewPendingLease(
              id,
              caller.user(),
              demand,
              now,
              waitUntil,
              granted,
              requestId,
              origin,
              checkouts.quotas(caller)));
    } catch (QuotaExceededException e) {
      checkouts.countQuotaRefusal(e, perPool.keySet());
      throw Checkouts.quotaRefused(e);
    } catch (PendingLeaseStore.DuplicateRequestException e) {
      throw new ApiException(
          409,
          "duplicate_request",
          "you have already used request_id '" + requestId + "'",
          Map.of("request_id", requestId, "id", e.leaseId()));
    }
    try {
      waits.start(id, waitUntil);
    } catch (RuntimeException e) {
      EventLog.error(log, "could not start the pending lease's workflow", e, EventLog.LEASE, id);
      store.cancelPending(id, "Corral could not start waiting for its VMs", clock.instant());
      throw new ApiException(
          503,
          "unavailable",
          "Corral cannot wait for VMs right now (Temporal did not answer); nothing was leased",
          Map.of());
    }
    checkouts.countPending(perPool.keySet());
    // The pending demand raises the pools' targets: the shepherds provision for it now.
    perPool.keySet().forEach(nudger::leased);
    return view(id);
  }

  /**
   * The pending lease (or what became of it), with per pool shortages while it waits; to whoever
   * may act on it, as for {@link LeaseService#get}.
   */
  public PendingLeaseView status(Caller caller, String id) {
    PendingLeaseStore.PendingLease lease = store.find(id).orElseThrow(() -> unknown(id));
    LeaseService.authorize(caller, lease.lease().owner(), "lease");
    return view(lease);
  }

  /**
   * The pending lease the caller made with this request id. Request ids are each owner's own names,
   * so another user's request with the same id is not found, for admins too: they read any pending
   * lease by its lease id.
   */
  public PendingLeaseView statusByRequestId(Caller caller, String requestId) {
    return view(
        store.leaseIdOfRequest(caller.user(), requestId).orElseThrow(() -> unknown(requestId)));
  }

  private PendingLeaseView view(String id) {
    return view(store.find(id).orElseThrow(() -> unknown(id)));
  }

  private PendingLeaseView view(PendingLeaseStore.PendingLease lease) {
    String id = lease.lease().id();
    List<PendingLeaseStore.Shortage> shortage =
        PendingLeaseStore.PENDING.equals(lease.lease().state()) ? store.shortages(id) : List.of();
    return PendingLeaseView.of(lease, shortage);
  }

  /**
   * Cancels a pending lease (its held VMs go back to ready, untouched) or releases one that was
   * already filled (its VMs are destroyed, as for any released lease). An ended lease is returned
   * unchanged. Only the owner or an admin may do this (403).
   */
  public PendingLeaseView cancel(Caller caller, String id) {
    PendingLeaseStore.PendingLease lease = store.find(id).orElseThrow(() -> unknown(id));
    LeaseService.authorize(caller, lease.lease().owner(), "lease");
    String state =
        store
            .cancelPending(id, "cancelled by request", clock.instant())
            .orElseThrow(() -> unknown(id));
    if (PendingLeaseStore.PENDING.equals(state)) {
      // The workflow would notice at its next recheck; waking it ends it now.
      waits.wake(id);
      lease.demand().stream().map(LeaseDemandRow::pool).distinct().forEach(nudger::leased);
    } else if (LeaseRow.ACTIVE.equals(state)) {
      leases
          .end(id, LeaseRow.RELEASED, "released by request", clock.instant())
          .ifPresent(ended -> retirements.retireAll(ended.vms(), "lease released"));
    }
    return view(id);
  }

  private static ApiException unknown(String id) {
    return ApiException.notFound(
        "unknown_lease",
        "no pending lease with id " + ApiException.clip(id),
        Map.of("id", ApiException.clip(id)));
  }
}
