package dev.corral.web.dashboard;

import dev.corral.web.api.ApiException;
import dev.corral.web.api.InventoryViews;
import dev.corral.web.api.LeaseService;
import dev.corral.web.api.LeaseView;
import dev.corral.web.api.ShortageReport;
import dev.corral.web.api.TemplateService;
import dev.corral.web.auth.Caller;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * What the dashboard shows, read through the services behind the /v1 API, so that the page and the
 * API never disagree: pools ({@code GET /v1/pools}) with why a short one is short ({@link
 * ShortageReport}), providers ({@code GET /v1/providers}), template groups and their newest builds
 * ({@code GET /v1/builds}) and the newest leases the caller may list ({@code GET /v1/leases}, with
 * its rules). Every list is capped, so one read costs a number of queries that depends on the
 * config (pools, providers, groups) and not on how many VMs, leases or builds there are.
 */
public final class Dashboard {
  /** Newest leases shown. */
  static final int LEASES = 50;

  /** Newest builds shown per template group. */
  static final int BUILDS_PER_GROUP = 5;

  /** A pool, and when it holds fewer ready VMs than its size, why (empty otherwise). */
  public record PoolLine(InventoryViews.PoolView pool, List<String> shortBecause) {}

  /** A template group with its newest builds, each with its chain of steps. */
  public record GroupLine(
      TemplateService.GroupView group, List<TemplateService.BuildView> builds) {}

  /**
   * {@code leases} is null when the caller may not list leases (with auth on, a request without
   * credentials); then the page asks them to sign in.
   */
  public record Snapshot(
      Instant at,
      boolean authOn,
      Caller caller,
      List<PoolLine> pools,
      List<InventoryViews.ProviderView> providers,
      List<GroupLine> groups,
      List<LeaseView> leases) {}

  private final InventoryViews views;
  private final ShortageReport shortages;
  private final TemplateService templates;
  private final LeaseService leases;
  private final boolean authOn;
  private final Clock clock;

  public Dashboard(
      InventoryViews views,
      ShortageReport shortages,
      TemplateService templates,
      LeaseService leases,
      boolean authOn,
      Clock clock) {
    this.views = views;
    this.shortages = shortages;
    this.templates = templates;
    this.leases = leases;
    this.authOn = authOn;
    this.clock = clock;
  }

  public Snapshot read(Caller caller) {
    Instant at = clock.instant();
    List<InventoryViews.ProviderView> providers = views.providers();
    List<PoolLine> pools =
        views.pools().stream()
            .map(pool -> new PoolLine(pool, shortages.whyShort(pool, providers)))
            .toList();
    List<GroupLine> groups =
        templates.groups().stream()
            .filter(TemplateService.GroupView::active)
            .map(
                group ->
                    new GroupLine(group, templates.builds(group.name(), null, BUILDS_PER_GROUP)))
            .toList();
    return new Snapshot(at, authOn, caller, pools, providers, groups, leasesFor(caller));
  }

  /**
   * The same leases {@code GET /v1/leases} would list for this caller; null when it would refuse
   * with a 401.
   */
  private List<LeaseView> leasesFor(Caller caller) {
    try {
      return leases.list(caller, null, null, String.valueOf(LEASES));
    } catch (ApiException e) {
      if (e.status() == 401) {
        return null;
      }
      throw e;
    }
  }
}
