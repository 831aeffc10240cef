package dev.corral.web.api;

import dev.corral.activities.store.BuildClaim;
import dev.corral.activities.store.BuildShortException;
import dev.corral.activities.store.BuildTemplate;
import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.QuotaExceededException;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.config.PoolConfig;
import dev.corral.web.auth.Caller;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Leases by build rather than by pool ({@code POST /v1/leases} with a {@code template}): the pick
 * resolves to one build ({@link TemplateChoices#match}), and its ready VMs are taken from whichever
 * of the caller's pools hold them, oldest ready first, all or nothing. Lifetime rules and quotas
 * are those of the pools the VMs come from, as for a lease by pool. With {@code wait}, a shortfall
 * becomes a waiting lease on the pools that hold the build, which clone it for the lease.
 */
public final class BuildLeases {
  /** The code of the 503 when fewer VMs of the build are ready than asked for. */
  static final String BUILD_SHORT = "build_short";

  private final LeaseStore leases;
  private final PendingLeaseService pendingLeases;
  private final TemplateChoices choices;
  private final Checkouts checkouts;
  private final ShepherdNudger nudger;
  private final VmRetirements vmSignals;
  private final Clock clock;

  public BuildLeases(
      LeaseStore leases,
      PendingLeaseService pendingLeases,
      TemplateChoices choices,
      Checkouts checkouts,
      ShepherdNudger nudger,
      VmRetirements vmSignals,
      Clock clock) {
    this.leases = leases;
    this.pendingLeases = pendingLeases;
    this.choices = choices;
    this.checkouts = checkouts;
    this.nudger = nudger;
    this.vmSignals = vmSignals;
    this.clock = clock;
  }

  public LeaseService.Created create(Caller caller, LeaseRequest request) {
    int count = request.countOrOne();
    boolean waits = request.waitFor() != null && !request.waitFor().isZero();
    TemplateChoices.Match match = choices.match(caller, request.template());
    if (match.readyVms() < count) {
      if (waits) {
        return waitFor(caller, request, match, count);
      }
      throw shortage(caller, match, count, match.readyVms());
    }
    List<PoolConfig> pools =
        match.pools().stream().map(checkouts::configOf).filter(Objects::nonNull).toList();
    Duration lifetime = checkouts.lifetime(caller, pools, request.lifetime(), "lifetime");
    Map<String, String> tags = LeaseTags.parse(request.tags(), "tags");
    BuildClaim claim =
        new BuildClaim(
            UUID.randomUUID().toString(),
            caller.user(),
            match.pools(),
            match.templates().stream().map(t -> new BuildTemplate(t.provider(), t.name())).toList(),
            count,
            tags.isEmpty() ? null : JsonText.of(tags),
            LeaseRow.V1,
            clock.instant(),
            lifetime,
            checkouts.quotas(caller));
    try {
      LeaseStore.Lease lease = leases.claimBuild(claim);
      vmSignals.leasedAgain(lease.vms());
      return new LeaseService.Created(201, LeaseView.of(lease));
    } catch (BuildShortException shortage) {
      if (waits) {
        return waitFor(caller, request, match, count);
      }
      throw shortage(caller, match, count, shortage.ready());
    } catch (QuotaExceededException quota) {
      checkouts.countQuotaRefusal(quota, match.pools());
      throw Checkouts.quotaRefused(quota);
    } finally {
      // The pools that gave (or would have given) VMs refill, as after a lease by pool.
      match.pools().forEach(nudger::leased);
    }
  }

  /**
   * A waiting lease by build: the ready VMs it can have now are asked of the pools holding them,
   * the rest of the pool best placed to clone the build (one that clones it now, else one whose
   * providers hold it). Each pool clones the build's template for its share if its ready VMs go to
   * someone else first, so the lease is served even after a pool moves on to a newer build. With no
   * pool of the caller on a provider holding the build, waiting would not help: a 503 that says so.
   */
  private LeaseService.Created waitFor(
      Caller caller, LeaseRequest request, TemplateChoices.Match match, int count) {
    if (request.tags() != null && !request.tags().isEmpty()) {
      throw ApiException.badRequest(
          "tags on a waiting lease are not supported yet; set them with PATCH once it is active",
          Map.of("field", "tags"));
    }
    List<TemplateChoices.BuildPool> candidates = choices.poolsFor(caller, match);
    if (candidates.isEmpty()) {
      throw shortage(match, count, match.readyVms(), candidates);
    }
    Map<String, TemplateChoices.BuildPool> byName = new LinkedHashMap<>();
    candidates.forEach(c -> byName.put(c.pool(), c));
    Map<String, Integer> shares = new LinkedHashMap<>();
    int left = count;
    for (Map.Entry<String, Integer> ready : match.readyByPool().entrySet()) {
      int take = Math.min(left, ready.getValue());
      if (take > 0 && byName.containsKey(ready.getKey())) {
        shares.merge(ready.getKey(), take, Integer::sum);
        left -= take;
      }
    }
    if (left > 0) {
      shares.merge(candidates.get(0).pool(), left, Integer::sum);
    }
    List<PendingLeaseService.BuildShare> demand = new ArrayList<>();
    shares.forEach(
        (pool, n) ->
            demand.add(new PendingLeaseService.BuildShare(pool, byName.get(pool).template(), n)));
    List<PoolConfig> configs =
        shares.keySet().stream().map(checkouts::configOf).filter(Objects::nonNull).toList();
    Duration lifetime = checkouts.lifetime(caller, configs, request.lifetime(), "lifetime");
    try {
      return new LeaseService.Created(
          202,
          pendingLeases.createForBuild(
              caller, demand, match.provider(), lifetime, request.waitFor(), LeaseRow.V1));
    } finally {
      shares.keySet().forEach(nudger::leased);
    }
  }

  /**
   * The 503 of a build with too few ready VMs: how many are ready, how many could be cloned for a
   * waiting lease, and why not, as a short pool's 503 says.
   */
  private ApiException shortage(
      Caller caller, TemplateChoices.Match match, int requested, int ready) {
    return shortage(match, requested, ready, choices.poolsFor(caller, match));
  }

  private ApiException shortage(
      TemplateChoices.Match match,
      int requested,
      int ready,
      List<TemplateChoices.BuildPool> cloning) {
    List<String> clonedBy = cloning.stream().map(TemplateChoices.BuildPool::pool).toList();
    int couldClone = clonedBy.isEmpty() ? 0 : choices.freeVms(match);
    String why =
        clonedBy.isEmpty()
            ? "none can be cloned for you: no pool of yours has a provider holding this build"
            : couldClone == 0
                ? "none can be cloned now: the providers holding it are at max_vms"
                : couldClone
                    + " could be cloned by pool "
                    + String.join(", ", clonedBy)
                    + " for a lease that waits (add a wait)";
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("group", match.group());
    detail.put("version", match.version());
    detail.put("date", match.date().toString());
    detail.put("prepared", match.prepared());
    detail.put("requested", requested);
    detail.put("ready", ready);
    detail.put("could_clone", couldClone);
    detail.put("pools", match.pools());
    detail.put("cloned_by", clonedBy);
    detail.put("providers", match.templates().stream().map(t -> t.provider()).distinct().toList());
    return new ApiException(
        503,
        BUILD_SHORT,
        match.group()
            + " "
            + match.version()
            + " of "
            + match.date()
            + " has "
            + ready
            + " ready VM(s) you may lease, "
            + requested
            + " requested"
            + (match.pools().isEmpty()
                ? ""
                : " (ready in pools " + String.join(", ", match.pools()) + ")")
            + "; "
            + why
            + "; nothing was leased",
        detail);
  }
}
