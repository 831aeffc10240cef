package dev.corral.web.api;

import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.config.Durations;
import dev.corral.config.PoolConfig;
import dev.corral.web.auth.Caller;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Native leases: validate the request, take the VMs through {@link Checkouts}, and change or end a
 * lease on behalf of its owner (or an admin). Nothing here waits on Temporal.
 */
public final class LeaseService {
  static final int DEFAULT_LIST_LIMIT = 100;
  static final int MAX_LIST_LIMIT = 1000;

  /**
   * Lease states a list may filter on: a lease's own, and those of a lease that waits (or waited)
   * for VMs.
   */
  static final List<String> LIST_STATES =
      List.of(
          LeaseRow.ACTIVE,
          LeaseRow.RELEASED,
          LeaseRow.EXPIRED,
          PendingLeaseStore.PENDING,
          PendingLeaseStore.FAILED,
          PendingLeaseStore.CANCELLED);

  private final LeaseStore leases;
  private final Checkouts checkouts;
  private final PendingLeaseService pendingLeases;
  private final Clock clock;
  private final ShepherdNudger nudger;
  private final VmRetirements retirements;
  private final BuildLeases buildLeases;

  public LeaseService(
      LeaseStore leases,
      Checkouts checkouts,
      PendingLeaseService pendingLeases,
      Clock clock,
      ShepherdNudger nudger,
      VmRetirements retirements,
      BuildLeases buildLeases) {
    this.buildLeases = buildLeases;
    this.leases = leases;
    this.checkouts = checkouts;
    this.pendingLeases = pendingLeases;
    this.clock = clock;
    this.nudger = nudger;
    this.retirements = retirements;
  }

  /**
   * A lease made now (201), or with {@code wait > 0} a pending lease filled as VMs become ready
   * (202).
   */
  public record Created(int status, Object lease) {}

  public Created create(Caller caller, LeaseRequest request) {
    if (request.template() != null) {
      return buildLeases.create(caller, request);
    }
    Map<String, Integer> wanted = request.vms().counts();
    List<Checkouts.Resolved> resolved = checkouts.resolve(caller, wanted.keySet());
    Duration lifetime =
        checkouts.lifetime(
            caller,
            resolved.stream().map(Checkouts.Resolved::config).toList(),
            request.lifetime(),
            "lifetime");
    Map<String, String> tags = LeaseTags.parse(request.tags(), "tags");
    Duration wait = request.waitFor();
    if (wait != null && !wait.isZero()) {
      if (!tags.isEmpty()) {
        throw ApiException.badRequest(
            "tags on a waiting lease are not supported yet; set them with PATCH once it is"
                + " active",
            Map.of("field", "tags"));
      }
      // Not yet counted against quotas: they hold on the claim path below only.
      return new Created(
          202, pendingLeases.create(caller, wanted, lifetime, wait, null, LeaseRow.V1));
    }
    Checkouts.Result result =
        checkouts.take(
            new Checkouts.Request(
                caller,
                wanted,
                lifetime,
                tags.isEmpty() ? null : JsonText.of(tags),
                LeaseRow.V1,
                false),
            resolved);
    return new Created(201, LeaseView.of(result.leases().get(0)));
  }

  /**
   * One lease, to whoever may act on it (its owner, an admin, anyone for a lease taken
   * anonymously): lease ids are shown to everyone in /v1/vms, and who leased what, with which tags,
   * is not everyone's business.
   */
  public LeaseView get(Caller caller, String id) {
    LeaseStore.Lease lease = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, lease.lease().owner(), "lease");
    return LeaseView.of(lease);
  }

  /**
   * Leases newest first. With auth on, a user sees their own (an admin anyone's, or all); asking
   * for another user's is a 403.
   */
  public List<LeaseView> list(Caller caller, String owner, String state, String limitParam) {
    if (state != null && !LIST_STATES.contains(state)) {
      throw ApiException.badRequest(
          "unknown lease state '" + ApiException.clip(state) + "'",
          Map.of("field", "state", "allowed", LIST_STATES));
    }
    int limit = Routes.limit(limitParam, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    String who = owner;
    if (!caller.admin()) {
      if (caller.anonymous()) {
        throw new ApiException(401, "token_required", "listing leases needs a token", Map.of());
      }
      if (owner != null && !owner.equals(caller.user())) {
        throw new ApiException(
            403,
            "forbidden",
            "you may list only your own leases",
            Map.of("owner", ApiException.clip(owner)));
      }
      who = caller.user();
    }
    return leases.list(who, state, limit).stream().map(LeaseView::of).toList();
  }

  /**
   * Changes an active lease's lifetime (counted from its start) and tags; only its owner or an
   * admin.
   */
  public LeaseView update(Caller caller, String id, LeaseChange change) {
    LeaseStore.Lease lease = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, lease.lease().owner(), "lease");
    if (!lease.lease().state().equals(LeaseRow.ACTIVE)) {
      throw new ApiException(
          409,
          "lease_ended",
          "lease " + id + " has ended (" + lease.lease().state() + ")",
          Map.of("id", id, "state", lease.lease().state()));
    }
    return LeaseView.of(changeTerms(caller, lease, change.lifetime(), change.tags(), "tags"));
  }

  /**
   * New lifetime and/or tags for an active lease. The lifetime counts from the lease's start, as
   * vmpooler's does, and may not pass the strictest maximum of the lease's pools.
   */
  LeaseStore.Lease changeTerms(
      Caller caller,
      LeaseStore.Lease lease,
      Duration lifetime,
      Map<String, Object> newTags,
      String tagsField) {
    LeaseRow row = lease.lease();
    Instant expiresAt = row.expiresAt();
    if (lifetime != null) {
      List<PoolConfig> configs =
          lease.vms().stream()
              .map(VmRow::pool)
              .distinct()
              .map(checkouts::configOf)
              .filter(Objects::nonNull)
              .toList();
      if (!configs.isEmpty()) {
        checkouts.lifetime(caller, configs, lifetime, "lifetime");
      }
      expiresAt = row.createdAt().plus(lifetime);
      if (!expiresAt.isAfter(clock.instant())) {
        throw ApiException.badRequest(
            "lifetime "
                + Durations.format(lifetime)
                + " would end the lease in the past"
                + " (it started at "
                + row.createdAt()
                + "); release it instead",
            Map.of("field", "lifetime"));
      }
    }
    String tags = row.tags();
    if (newTags != null) {
      Map<String, String> merged = new LinkedHashMap<>(JsonText.toMap(row.tags()));
      merged.putAll(LeaseTags.parse(newTags, tagsField));
      tags = merged.isEmpty() ? null : JsonText.of(merged);
    }
    LeaseStore.Lease changed =
        leases.updateTerms(row.id(), expiresAt, tags).orElseThrow(() -> unknownLease(row.id()));
    if (lifetime != null) {
      lease.vms().stream().map(VmRow::pool).distinct().forEach(nudger::leaseTermsChanged);
    }
    return changed;
  }

  /**
   * Ends the lease and destroys its VMs; only its owner or an admin. A lease still waiting for VMs
   * (a 202 of {@code POST /v1/leases}) is cancelled, its held VMs going back to their pools.
   * Releasing an ended lease returns it unchanged.
   */
  public LeaseView release(Caller caller, String id) {
    LeaseStore.Lease found = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, found.lease().owner(), "lease");
    if (PendingLeaseStore.PENDING.equals(found.lease().state())) {
      pendingLeases.cancel(caller, id);
      return get(caller, id);
    }
    LeaseStore.Lease lease =
        leases
            .end(id, LeaseRow.RELEASED, "released by request", clock.instant())
            .orElseThrow(() -> unknownLease(id));
    retirements.retireAll(lease.vms(), "lease released");
    return LeaseView.of(lease);
  }

  /**
   * 401 for an anonymous caller on something owned, 403 for someone else's. {@code thing} ("lease",
   * "VM") is named without its id: a refusal tells a stranger nothing about the thing beyond that
   * it is not theirs.
   */
  static void authorize(Caller caller, String owner, String thing) {
    if (caller.mayManage(owner)) {
      return;
    }
    if (caller.anonymous()) {
      throw new ApiException(
          401,
          "token_required",
          "this " + thing + " belongs to a user; send their token",
          Map.of());
    }
    throw new ApiException(
        403, "forbidden", "this " + thing + " belongs to another user", Map.of());
  }

  private static ApiException unknownLease(String id) {
    return ApiException.notFound(
        "unknown_lease",
        "no lease with id " + ApiException.clip(id),
        Map.of("id", ApiException.clip(id)));
  }
}
