package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Native leases: validate the request, take the VMs through {@link Checkouts}, and change or end a
 * lease on behalf of its owner (or an admin). Nothing here waits on Temporal.
 */
public final class LeaseService {
  static final int DEFAULT_LIST_LIMIT = 100;
  static final int MAX_LIST_LIMIT = 1000;
  /** Lease states a list may filter on: a lease's own, and those of a lease that waits (or waited) for VMs. */
  static final List<String> LIST_STATES = List.of(LeaseRow.ACTIVE, LeaseRow.RELEASED, LeaseRow.EXPIRED,
      PendingLeaseStore.PENDING, PendingLeaseStore.FAILED, PendingLeaseStore.CANCELLED);
  private static final Set<String> CREATE_FIELDS = Set.of("vms", "lifetime", "tags", "wait");
  private static final Set<String> UPDATE_FIELDS = Set.of("lifetime", "tags");

  private final LeaseStore leases;
  private final Checkouts checkouts;
  private final PendingLeaseService pendingLeases;
  private final Clock clock;
  private final ShepherdNudger nudger;
  private final VmRetirements retirements;

  public LeaseService(LeaseStore leases, Checkouts checkouts, PendingLeaseService pendingLeases, Clock clock,
      ShepherdNudger nudger, VmRetirements retirements) {
    this.leases = leases;
    this.checkouts = checkouts;
    this.pendingLeases = pendingLeases;
    this.clock = clock;
    this.nudger = nudger;
    this.retirements = retirements;
  }

  /** A lease made now (201), or with {@code wait > 0} a pending lease filled as VMs become ready (202). */
  public record Created(int status, Object lease) {}

  public Created create(Caller caller, JsonNode body) {
    requireObject(body, "{\"vms\": {\"pool\": 1}}");
    onlyFields(body, CREATE_FIELDS);
    Map<String, Integer> wanted = wantedVms(body.get("vms"));
    List<Checkouts.Resolved> resolved = checkouts.resolve(caller, wanted.keySet());
    Duration lifetime = checkouts.lifetime(caller, resolved.stream().map(Checkouts.Resolved::config).toList(),
        duration(body.get("lifetime"), "lifetime"), "lifetime");
    Map<String, String> tags = LeaseTags.parse(body.get("tags"), "tags");
    Duration wait = duration(body.get("wait"), "wait");
    if (wait != null && !wait.isZero()) {
      if (!tags.isEmpty()) {
        throw ApiException.badRequest("tags on a waiting lease are not supported yet; set them with PATCH once it is"
            + " active", Map.of("field", "tags"));
      }
      // Not yet counted against quotas: they hold on the claim path below only.
      return new Created(202, pendingLeases.create(caller, wanted, lifetime, wait, null, LeaseRow.V1));
    }
    Checkouts.Result result = checkouts.take(
        new Checkouts.Request(caller, wanted, lifetime, tags.isEmpty() ? null : JsonText.of(tags), LeaseRow.V1, false),
        resolved);
    return new Created(201, LeaseView.of(result.leases().get(0)));
  }

  /** Pool name or alias → count, as the caller wrote them. */
  private static Map<String, Integer> wantedVms(JsonNode vms) {
    if (vms == null || !vms.isObject() || vms.isEmpty()) {
      throw ApiException.badRequest("'vms' must be a non-empty object of pool name or alias to count",
          Map.of("field", "vms"));
    }
    Map<String, Integer> wanted = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = vms.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      JsonNode count = entry.getValue();
      if (!count.isIntegralNumber() || !count.canConvertToInt() || count.asInt() < 1 || count.asInt() > Checkouts.MAX_VMS_PER_POOL) {
        throw ApiException.badRequest("vms." + ApiException.clip(entry.getKey()) + " must be a whole number from 1 to " + Checkouts.MAX_VMS_PER_POOL,
            Map.of("field", "vms." + ApiException.clip(entry.getKey()), "value", ApiException.clip(count.toString())));
      }
      wanted.put(entry.getKey(), count.asInt());
    }
    return wanted;
  }

  /**
   * One lease, to whoever may act on it (its owner, an admin, anyone for a lease taken anonymously): lease ids
   * are shown to everyone in /v1/vms, and who leased what, with which tags, is not everyone's business.
   */
  public LeaseView get(Caller caller, String id) {
    LeaseStore.Lease lease = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, lease.lease().owner(), "lease");
    return LeaseView.of(lease);
  }

  /**
   * Leases newest first. With auth on, a user sees their own (an admin anyone's, or all); asking for
   * another user's is a 403.
   */
  public List<LeaseView> list(Caller caller, String owner, String state, String limitParam) {
    if (state != null && !LIST_STATES.contains(state)) {
      throw ApiException.badRequest("unknown lease state '" + ApiException.clip(state) + "'",
          Map.of("field", "state", "allowed", LIST_STATES));
    }
    int limit = Routes.limit(limitParam, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    String who = owner;
    if (!caller.admin()) {
      if (caller.anonymous()) {
        throw new ApiException(401, "token_required", "listing leases needs a token", Map.of());
      }
      if (owner != null && !owner.equals(caller.user())) {
        throw new ApiException(403, "forbidden", "you may list only your own leases", Map.of("owner", ApiException.clip(owner)));
      }
      who = caller.user();
    }
    return leases.list(who, state, limit).stream().map(LeaseView::of).toList();
  }

  /** Changes an active lease's lifetime (counted from its start) and tags; only its owner or an admin. */
  public LeaseView update(Caller caller, String id, JsonNode body) {
    requireObject(body, "{\"lifetime\": \"4h\"}");
    onlyFields(body, UPDATE_FIELDS);
    LeaseStore.Lease lease = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, lease.lease().owner(), "lease");
    if (!lease.lease().state().equals(LeaseRow.ACTIVE)) {
      throw new ApiException(409, "lease_ended", "lease " + id + " has ended (" + lease.lease().state() + ")",
          Map.of("id", id, "state", lease.lease().state()));
    }
    return LeaseView.of(changeTerms(caller, lease, duration(body.get("lifetime"), "lifetime"), body.get("tags"), "tags"));
  }

  /**
   * New lifetime and/or tags for an active lease. The lifetime counts from the lease's start, as
   * vmpooler's does, and may not pass the strictest maximum of the lease's pools.
   */
  LeaseStore.Lease changeTerms(Caller caller, LeaseStore.Lease lease, Duration lifetime, JsonNode tagsNode,
      String tagsField) {
    LeaseRow row = lease.lease();
    Instant expiresAt = row.expiresAt();
    if (lifetime != null) {
      List<PoolConfig> configs = lease.vms().stream().map(VmRow::pool).distinct()
          .map(checkouts::configOf).filter(Objects::nonNull).toList();
      if (!configs.isEmpty()) {
        checkouts.lifetime(caller, configs, lifetime, "lifetime");
      }
      expiresAt = row.createdAt().plus(lifetime);
      if (!expiresAt.isAfter(clock.instant())) {
        throw ApiException.badRequest("lifetime " + Durations.format(lifetime) + " would end the lease in the past"
            + " (it started at " + row.createdAt() + "); release it instead", Map.of("field", "lifetime"));
      }
    }
    String tags = row.tags();
    if (tagsNode != null) {
      Map<String, String> merged = new LinkedHashMap<>(JsonText.toMap(row.tags()));
      merged.putAll(LeaseTags.parse(tagsNode, tagsField));
      tags = merged.isEmpty() ? null : JsonText.of(merged);
    }
    LeaseStore.Lease changed =
        leases.updateTerms(row.id(), expiresAt, tags).orElseThrow(() -> unknownLease(row.id()));
    if (lifetime != null) {
      lease.vms().stream().map(VmRow::pool).distinct().forEach(nudger::leaseTermsChanged);
    }
    return changed;
  }

  /** Ends the lease and destroys its VMs; only its owner or an admin. Releasing an ended lease returns it unchanged. */
  public LeaseView release(Caller caller, String id) {
    LeaseStore.Lease found = leases.find(id).orElseThrow(() -> unknownLease(id));
    authorize(caller, found.lease().owner(), "lease");
    LeaseStore.Lease lease =
        leases.end(id, LeaseRow.RELEASED, "released by request", clock.instant()).orElseThrow(() -> unknownLease(id));
    retirements.retireAll(lease.vms(), "lease released");
    return LeaseView.of(lease);
  }

  /**
   * 401 for an anonymous caller on something owned, 403 for someone else's. {@code thing} ("lease", "VM") is
   * named without its id: a refusal tells a stranger nothing about the thing beyond that it is not theirs.
   */
  static void authorize(Caller caller, String owner, String thing) {
    if (caller.mayManage(owner)) {
      return;
    }
    if (caller.anonymous()) {
      throw new ApiException(401, "token_required", "this " + thing + " belongs to a user; send their token", Map.of());
    }
    throw new ApiException(403, "forbidden", "this " + thing + " belongs to another user", Map.of());
  }

  static Duration duration(JsonNode value, String field) {
    if (value == null || value.isNull()) {
      return null;
    }
    try {
      Duration d = value.isNumber() ? Durations.parse(value.numberValue()) : Durations.parse(value.asText());
      if (d.isNegative()) {
        throw new IllegalArgumentException("must not be negative");
      }
      return d;
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field + ": " + e.getMessage(), Map.of("field", field, "value", ApiException.clip(value.asText())));
    }
  }

  static void requireObject(JsonNode body, String example) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest("the body must be a JSON object like " + example, Map.of());
    }
  }

  static void onlyFields(JsonNode body, Set<String> allowed) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        throw ApiException.badRequest("unknown field '" + ApiException.clip(field) + "'",
            Map.of("field", ApiException.clip(field), "allowed", allowed.stream().sorted().toList()));
      }
    }
  }

  private static ApiException unknownLease(String id) {
    return ApiException.notFound("unknown_lease", "no lease with id " + ApiException.clip(id), Map.of("id", ApiException.clip(id)));
  }
}
