package dev.corral.web.api;

// Over 400 lines: the form's reads and what a lease by build resolves to share one reading of the
// usable builds and of the ready VMs a caller may get; apart, the rules would be written twice.

import dev.corral.activities.provider.ProviderTypes;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.ReadyCount;
import dev.corral.activities.store.rows.TemplateGroupRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.templates.TemplateVersions;
import dev.corral.config.PoolConfig;
import dev.corral.config.TemplateSelector;
import dev.corral.web.auth.AccessPolicy;
import dev.corral.web.auth.Caller;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The questions a request for "a build of a group" walks through, as Sprout's request form asks
 * them: which versions a group has, which dates a version has, which providers hold that build
 * (with their free VM and clone slots), and how many VMs of it are ready now. Only builds a lease
 * could get are shown: usable, ready templates with a version and a date, on providers that are
 * neither disabled nor failing and that the caller may use; ready VMs count only in pools the
 * caller may lease from.
 *
 * <p>{@code latest} means what it means in Sprout: the newest version first (in version order,
 * {@code 5.11.10} after {@code 5.11.9}), then the newest date of that version.
 */
public final class TemplateChoices {
  public static final String LATEST = TemplateSelector.LATEST;

  /** One version of a group, newest date first. */
  public record VersionChoice(
      String version,
      LocalDate latestDate,
      List<LocalDate> dates,
      List<String> providers,
      int readyVms) {}

  public record Versions(String group, boolean prepared, List<VersionChoice> versions) {}

  /** One build date of a version. */
  public record DateChoice(LocalDate date, List<String> providers, int readyVms) {}

  public record Dates(String group, boolean prepared, String version, List<DateChoice> dates) {}

  /** A provider holding the build, with what it can take now. */
  public record ProviderChoice(
      String name, String template, int freeVms, int freeCloneSlots, int readyVms) {}

  public record Providers(
      String group,
      boolean prepared,
      String version,
      LocalDate date,
      List<ProviderChoice> providers,
      int readyVms) {}

  /**
   * What a pick resolves to: one build, and its template on each provider that may serve it ({@code
   * provider}: the one the pick named, or null), with its ready VMs the caller may lease, per pool.
   */
  public record Match(
      String group,
      boolean prepared,
      String version,
      LocalDate date,
      String provider,
      List<TemplateRow> templates,
      int readyVms,
      Map<String, Integer> readyByPool) {
    /** The caller's pools holding ready VMs of the build, by name. */
    public List<String> pools() {
      return List.copyOf(new TreeSet<>(readyByPool.keySet()));
    }
  }

  /** The usable builds a caller may get, and the ready VMs of each (by provider and template). */
  private record Builds(List<TemplateRow> rows, Map<String, Map<String, Integer>> ready) {
    int readyOf(TemplateRow t) {
      return ready.getOrDefault(key(t.provider(), t.name()), Map.of()).values().stream()
          .mapToInt(Integer::intValue)
          .sum();
    }

    /** The caller's pools holding ready VMs of these templates, with how many. */
    Map<String, Integer> readyByPool(List<TemplateRow> ts) {
      Map<String, Integer> out = new TreeMap<>();
      ts.forEach(
          t ->
              ready
                  .getOrDefault(key(t.provider(), t.name()), Map.of())
                  .forEach((pool, n) -> out.merge(pool, n, Integer::sum)));
      return out;
    }

    int readyOf(List<TemplateRow> ts) {
      return ts.stream().mapToInt(this::readyOf).sum();
    }
  }

  private final Db db;
  private final InventoryViews views;
  private final AccessPolicy access;
  private final Function<String, PoolConfig> pools;

  public TemplateChoices(
      Db db, InventoryViews views, AccessPolicy access, Function<String, PoolConfig> pools) {
    this.db = db;
    this.views = views;
    this.access = access;
    this.pools = pools;
  }

  /**
   * Which builds a question is about: raw or prepared, and container templates only (true), VM
   * templates only (false) or either (null).
   */
  public record Kind(boolean prepared, Boolean container) {
    /** From the query parameters {@code prepared} and {@code container} (either may be absent). */
    public static Kind of(String preparedParam, String containerParam) {
      Boolean prepared = flag(preparedParam, "prepared");
      return new Kind(prepared != null && prepared, flag(containerParam, "container"));
    }
  }

  /** The group's versions, newest first. */
  public Versions versions(Caller caller, String group, Kind kind) {
    boolean prepared = kind.prepared();
    Builds builds = builds(caller, group, kind);
    Map<String, List<TemplateRow>> byVersion = byVersion(builds.rows());
    List<VersionChoice> versions = new ArrayList<>();
    byVersion.forEach(
        (version, rows) -> {
          List<LocalDate> dates = dates(rows);
          versions.add(
              new VersionChoice(
                  version,
                  dates.isEmpty() ? null : dates.get(0),
                  dates,
                  providers(rows),
                  builds.readyOf(rows)));
        });
    return new Versions(group, prepared, versions);
  }

  /** The dates of one version ({@code latest}: the newest), newest first. */
  public Dates dates(Caller caller, String group, String version, Kind kind) {
    boolean prepared = kind.prepared();
    Builds builds = builds(caller, group, kind);
    String resolved = version(group, version, builds.rows());
    List<TemplateRow> rows = ofVersion(builds.rows(), resolved);
    List<DateChoice> dates = new ArrayList<>();
    for (LocalDate date : dates(rows)) {
      List<TemplateRow> ofDate = rows.stream().filter(t -> date.equals(t.buildDate())).toList();
      dates.add(new DateChoice(date, providers(ofDate), builds.readyOf(ofDate)));
    }
    return new Dates(group, prepared, resolved, dates);
  }

  /** The providers holding one build (version and date may be {@code latest}). */
  public Providers providers(Caller caller, String group, String version, String date, Kind kind) {
    boolean prepared = kind.prepared();
    Builds builds = builds(caller, group, kind);
    String resolvedVersion = version(group, version, builds.rows());
    List<TemplateRow> ofVersion = ofVersion(builds.rows(), resolvedVersion);
    LocalDate resolvedDate = date(group, resolvedVersion, date, ofVersion);
    List<TemplateRow> rows =
        ofVersion.stream().filter(t -> resolvedDate.equals(t.buildDate())).toList();
    Map<String, InventoryViews.ProviderView> room = new LinkedHashMap<>();
    views.providers(false).forEach(p -> room.put(p.name(), p));
    List<ProviderChoice> providers = new ArrayList<>();
    for (TemplateRow t :
        rows.stream().sorted(Comparator.comparing(TemplateRow::provider)).toList()) {
      InventoryViews.ProviderView p = room.get(t.provider());
      int live = p.inventoryVms();
      providers.add(
          new ProviderChoice(
              t.provider(),
              t.name(),
              Math.max(0, p.maxVms() - live),
              p.cloneSlotsFree(),
              builds.readyOf(t)));
    }
    return new Providers(
        group, prepared, resolvedVersion, resolvedDate, providers, builds.readyOf(rows));
  }

  /**
   * The build a lease by template gets: {@code latest} resolved, narrowed to the pick's provider.
   * Refusals as for the reads, and a provider that does not hold the build is a 404 naming those
   * that do.
   */
  public Match match(Caller caller, TemplatePick pick) {
    boolean prepared = pick.preparedOrDefault();
    Builds builds = builds(caller, pick.group(), new Kind(prepared, pick.container()));
    String version = version(pick.group(), pick.version(), builds.rows());
    List<TemplateRow> ofVersion = ofVersion(builds.rows(), version);
    LocalDate date = date(pick.group(), version, pick.date(), ofVersion);
    List<TemplateRow> rows = ofVersion.stream().filter(t -> date.equals(t.buildDate())).toList();
    if (pick.provider() != null) {
      List<String> holders = providers(rows);
      rows = rows.stream().filter(t -> t.provider().equals(pick.provider())).toList();
      if (rows.isEmpty()) {
        throw ApiException.notFound(
            "no_matching_template",
            "provider "
                + ApiException.clip(pick.provider())
                + " holds no usable build of "
                + pick.group()
                + " "
                + version
                + " of "
                + date
                + " you may use; providers: "
                + String.join(", ", holders),
            Map.of(
                "group",
                pick.group(),
                "version",
                version,
                "date",
                date.toString(),
                "provider",
                ApiException.clip(pick.provider()),
                "providers",
                holders));
      }
    }
    return new Match(
        pick.group(),
        prepared,
        version,
        date,
        pick.provider(),
        rows,
        builds.readyOf(rows),
        builds.readyByPool(rows));
  }

  /** Free VM slots ({@code max_vms} less what they hold) of the working providers of a build. */
  public int freeVms(Match match) {
    Set<String> holders = new TreeSet<>(providers(match.templates()));
    return views.providers(false).stream()
        .filter(p -> holders.contains(p.name()) && "ok".equals(p.state()))
        .mapToInt(p -> Math.max(0, p.maxVms() - p.inventoryVms()))
        .sum();
  }

  /**
   * A pool of the caller that can clone the matched build for a waiting lease: some of its
   * providers hold it (as {@code template}). {@code clonesNow}: it is the pool's current template
   * on every provider it has, so the pool's ordinary clones serve the lease.
   */
  public record BuildPool(String pool, String template, boolean clonesNow) {}

  /**
   * The caller's active pools that hold the matched build on a working provider they have, those
   * that clone it now first. A waiting lease by build asks them for more: the pool clones the
   * build's template for it, whatever its current template is.
   */
  public List<BuildPool> poolsFor(Caller caller, Match match) {
    Map<String, String> templateOn = new LinkedHashMap<>();
    match.templates().forEach(t -> templateOn.put(t.provider(), t.name()));
    List<BuildPool> now = new ArrayList<>();
    List<BuildPool> later = new ArrayList<>();
    for (InventoryViews.PoolView p : views.pools()) {
      PoolConfig config = pools.apply(p.name());
      if (!p.active() || config == null || access.refusal(caller, config) != null) {
        continue;
      }
      String template =
          p.providers().stream()
              .filter(templateOn::containsKey)
              .map(templateOn::get)
              .findFirst()
              .orElse(null);
      if (template == null) {
        continue;
      }
      boolean clonesNow =
          !p.providers().isEmpty()
              && p.providers().stream()
                  .allMatch(provider -> template.equals(p.currentTemplates().get(provider)))
              && p.providers().stream()
                  .allMatch(provider -> template.equals(templateOn.get(provider)));
      (clonesNow ? now : later).add(new BuildPool(p.name(), template, clonesNow));
    }
    now.addAll(later);
    return now;
  }

  private Builds builds(Caller caller, String group, Kind kind) {
    boolean prepared = kind.prepared();
    TemplateGroupRow known =
        db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectGroup(group));
    if (known == null || !known.active()) {
      throw ApiException.notFound(
          "unknown_template_group",
          "no template group " + ApiException.clip(group),
          Map.of("group", ApiException.clip(group)));
    }
    Set<String> allowed = access.allowedProviders(caller);
    List<String> usable =
        views.providers(false).stream()
            .filter(p -> "ok".equals(p.state()))
            .filter(p -> ProviderTypes.matchesContainerFlag(p.type(), kind.container()))
            .map(InventoryViews.ProviderView::name)
            .filter(p -> allowed == null || caller.admin() || allowed.contains(p))
            .toList();
    if (usable.isEmpty()) {
      return new Builds(List.of(), Map.of());
    }
    record Read(List<TemplateRow> rows, List<ReadyCount> ready) {}
    Read read =
        db.inTransaction(
            s ->
                new Read(
                    s.getMapper(TemplateMapper.class).usableOf(group, prepared, usable),
                    s.getMapper(VmMapper.class).countReadyByTemplate()));
    Map<String, Map<String, Integer>> ready = new LinkedHashMap<>();
    for (ReadyCount c : read.ready()) {
      PoolConfig pool = pools.apply(c.pool());
      if (pool != null && access.refusal(caller, pool) == null) {
        ready
            .computeIfAbsent(key(c.provider(), c.template()), k -> new TreeMap<>())
            .merge(c.pool(), c.count(), Integer::sum);
      }
    }
    List<TemplateRow> rows =
        read.rows().stream().filter(t -> t.version() != null && t.buildDate() != null).toList();
    return new Builds(rows, ready);
  }

  /** Versions newest first, each with its builds. */
  private static Map<String, List<TemplateRow>> byVersion(List<TemplateRow> rows) {
    Map<String, List<TemplateRow>> out = new LinkedHashMap<>();
    rows.stream()
        .sorted(Comparator.comparing(TemplateRow::version, TemplateVersions::compare).reversed())
        .forEach(
            t ->
                out.computeIfAbsent(
                        out.keySet().stream()
                            .filter(v -> TemplateVersions.compare(v, t.version()) == 0)
                            .findFirst()
                            .orElse(t.version()),
                        v -> new ArrayList<>())
                    .add(t));
    return out;
  }

  private static List<TemplateRow> ofVersion(List<TemplateRow> rows, String version) {
    return rows.stream().filter(t -> TemplateVersions.compare(t.version(), version) == 0).toList();
  }

  private static List<LocalDate> dates(List<TemplateRow> rows) {
    TreeSet<LocalDate> dates = new TreeSet<>(Comparator.reverseOrder());
    rows.forEach(t -> dates.add(t.buildDate()));
    return List.copyOf(dates);
  }

  private static List<String> providers(List<TemplateRow> rows) {
    return List.copyOf(new TreeSet<>(rows.stream().map(TemplateRow::provider).toList()));
  }

  /** The version asked for, or the newest for {@code latest}; a 404 names those there are. */
  private static String version(String group, String asked, List<TemplateRow> rows) {
    List<String> versions = List.copyOf(byVersion(rows).keySet());
    if (LATEST.equals(asked) && !versions.isEmpty()) {
      return versions.get(0);
    }
    return versions.stream()
        .filter(v -> !LATEST.equals(asked) && TemplateVersions.compare(v, asked) == 0)
        .findFirst()
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "no_matching_template",
                    "template group "
                        + group
                        + " has no usable build of version "
                        + ApiException.clip(asked)
                        + " you may use"
                        + (versions.isEmpty() ? "" : "; versions: " + String.join(", ", versions)),
                    Map.of(
                        "group",
                        group,
                        "version",
                        ApiException.clip(asked),
                        "versions",
                        versions)));
  }

  /** The date asked for, or the newest for {@code latest}; a 404 names those there are. */
  private static LocalDate date(
      String group, String version, String asked, List<TemplateRow> rows) {
    List<LocalDate> dates = dates(rows);
    if (LATEST.equals(asked)) {
      return dates.get(0);
    }
    LocalDate wanted;
    try {
      wanted = LocalDate.parse(asked);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "date must be 'latest' or a day such as 2026-11-01, not '"
              + ApiException.clip(asked)
              + "'",
          Map.of("field", "date"));
    }
    if (!dates.contains(wanted)) {
      throw ApiException.notFound(
          "no_matching_template",
          "version "
              + version
              + " of template group "
              + group
              + " has no usable build of "
              + wanted
              + " you may use; dates: "
              + String.join(", ", dates.stream().map(LocalDate::toString).toList()),
          Map.of(
              "group",
              group,
              "version",
              version,
              "date",
              wanted.toString(),
              "dates",
              dates.stream().map(LocalDate::toString).toList()));
    }
    return wanted;
  }

  /** A true/false query parameter; null when absent. */
  private static Boolean flag(String param, String name) {
    if (param == null) {
      return null;
    }
    if (param.equals("true") || param.equals("false")) {
      return Boolean.valueOf(param);
    }
    throw ApiException.badRequest(
        name + " must be true or false, not '" + ApiException.clip(param) + "'",
        Map.of("field", name));
  }

  private static String key(String provider, String template) {
    return provider + "\u0000" + template;
  }
}
