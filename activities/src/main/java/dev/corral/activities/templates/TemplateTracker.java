package dev.corral.activities.templates;

import dev.corral.activities.build.BuildRefusedException;
import dev.corral.activities.build.BuildStarter;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.store.BuildMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.GroupProvider;
import dev.corral.activities.store.rows.TemplateGroupRow;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.temporal.TemplateChanges;
import dev.corral.workflows.model.TrackerPass;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tracker poll (Sprout's poke_trackerbot): read the tracker documents and the providers' own
 * listings, record new builds of configured groups, mark builds that turned unusable, and start the
 * preparation builds that pools wanting prepared templates are missing, interleaved across groups.
 */
public final class TemplateTracker {
  private static final Logger log = LoggerFactory.getLogger(TemplateTracker.class);

  private final Db db;
  private final ProviderRegistry providers;
  private final TrackerSources sources;
  private final BuildStarter builds;
  private final Clock clock;
  private final TemplateChanges changes;

  public TemplateTracker(
      Db db, ProviderRegistry providers, TrackerSources sources, BuildStarter builds, Clock clock) {
    this(db, providers, sources, builds, clock, TemplateChanges.NONE);
  }

  public TemplateTracker(
      Db db,
      ProviderRegistry providers,
      TrackerSources sources,
      BuildStarter builds,
      Clock clock,
      TemplateChanges changes) {
    this.changes = changes;
    this.db = db;
    this.providers = providers;
    this.sources = sources;
    this.builds = builds;
    this.clock = clock;
  }

  public TrackerPass poll() {
    Instant now = clock.instant();
    List<String> problems = new ArrayList<>();
    TrackerDocument.Parsed documents = sources.readAll();
    problems.addAll(documents.problems());
    // A tracker document is the authority on a build it names (usable, GA, version); a provider's
    // listing only discovers raw templates no document mentions. Otherwise the listing, read after
    // the
    // documents, would turn a build the tracker just declared unusable usable again in the same
    // poll.
    Set<String> documented = new HashSet<>();
    documents.builds().forEach(b -> b.providers().forEach(p -> documented.add(p + "/" + b.name())));
    List<TrackerBuild> listed =
        providerListings(problems).stream()
            .filter(b -> !documented.contains(b.providers().get(0) + "/" + b.name()))
            .toList();

    Map<String, TemplateGroupRow> groups = new LinkedHashMap<>();
    db.inTransaction(s -> s.getMapper(TemplateMapper.class).selectGroups()).stream()
        .filter(TemplateGroupRow::active)
        .forEach(g -> groups.put(g.name(), g));
    int[] counts = new int[2];
    db.inTransaction(
        session -> {
          TemplateMapper templates = session.getMapper(TemplateMapper.class);
          for (TrackerBuild build : documents.builds()) {
            for (String provider : build.providers()) {
              if (!providers.contains(provider)) {
                continue;
              }
              record(build, provider, true, groups.get(build.group()), templates, now, counts);
            }
          }
          for (TrackerBuild build : listed) {
            record(
                build,
                build.providers().get(0),
                false,
                groups.get(build.group()),
                templates,
                now,
                counts);
          }
          return null;
        });
    int started = startMissingBuilds(groups, now, problems);
    if (counts[0] > 0 || counts[1] > 0) {
      changes.happened();
    }
    problems.forEach(p -> log.warn("tracker: {}", p));
    return new TrackerPass(counts[0], counts[1], started, problems);
  }

  /**
   * The providers' own listings: raw templates only (prepared ones are Corral's own, known
   * already).
   */
  private List<TrackerBuild> providerListings(List<String> problems) {
    List<TrackerBuild> listed = new ArrayList<>();
    for (String name : providers.names()) {
      try {
        for (ProviderTemplate t : providers.get(name).templates()) {
          if (!t.prepared() && t.group() != null) {
            listed.add(
                new TrackerBuild(
                    t.group(), t.name(), t.version(), t.date(), false, true, List.of(name)));
          }
        }
      } catch (ProviderException e) {
        problems.add("provider " + name + ": cannot list templates: " + e.getMessage());
      }
    }
    return listed;
  }

  /**
   * Records one build on one provider. {@code fromDocument}: a tracker document reported it, with a
   * say on GA and usability; a provider listing knows neither, so it never changes them.
   */
  private static void record(
      TrackerBuild build,
      String provider,
      boolean fromDocument,
      TemplateGroupRow group,
      TemplateMapper templates,
      Instant now,
      int[] counts) {
    TemplateRow known = templates.selectByName(provider, build.name());
    if (known == null) {
      if (group == null || !build.usable() || isObsolete(build.date(), group, now)) {
        return; // Builds of unknown groups, unusable or obsolete at discovery are not recorded at
        // all.
      }
      templates.upsertDiscovered(
          new TemplateRow(
              0,
              build.name(),
              provider,
              build.group(),
              build.version(),
              build.date(),
              build.ga(),
              true,
              false,
              null,
              null,
              fromDocument ? TemplateRow.FROM_TRACKER : TemplateRow.FROM_PROVIDER,
              TemplateRow.READY,
              null,
              now,
              now));
      counts[0]++;
      return;
    }
    if (known.prepared()) {
      return;
    }
    templates.upsertDiscovered(
        new TemplateRow(
            known.id(),
            known.name(),
            provider,
            build.group(),
            build.version(),
            build.date(),
            fromDocument ? build.ga() : known.ga(),
            known.usable(),
            false,
            null,
            null,
            known.origin(),
            known.state(),
            null,
            known.createdAt(),
            now));
    if (!fromDocument) {
      return;
    }
    if (known.usable() && !build.usable()) {
      markUsable(templates, known, false, now);
      counts[1]++;
    } else if (!known.usable() && build.usable()) {
      markUsable(templates, known, true, now);
    }
  }

  /** A raw template and the templates prepared from it turn unusable (or usable again) together. */
  private static void markUsable(
      TemplateMapper templates, TemplateRow raw, boolean usable, Instant now) {
    List<TemplateRow> affected = new ArrayList<>(templates.children(raw.id()));
    affected.add(0, raw);
    for (TemplateRow t : affected) {
      templates.setUsable(t.id(), usable, now);
      if (!usable && TemplateRow.READY.equals(t.state())) {
        templates.setState(
            t.id(), TemplateRow.UNUSABLE, "the tracker reports the build unusable", now);
      } else if (usable && TemplateRow.UNUSABLE.equals(t.state())) {
        templates.setState(t.id(), TemplateRow.READY, null, now);
      }
    }
  }

  static boolean isObsolete(LocalDate date, TemplateGroupRow group, Instant now) {
    return date != null
        && date.isBefore(now.atZone(ZoneOffset.UTC).toLocalDate().minusDays(group.obsoleteDays()));
  }

  /**
   * For each (group, provider) some pool wants prepared templates of: the newest keep_prepared
   * usable raw builds without a build yet. Starts go round-robin across groups, newest first within
   * each, so the provider's build queue serves every group instead of one busy group's backlog
   * first.
   */
  private int startMissingBuilds(
      Map<String, TemplateGroupRow> groups, Instant now, List<String> problems) {
    Map<String, List<Long>> perGroup = new LinkedHashMap<>();
    db.inTransaction(
        session -> {
          TemplateMapper templates = session.getMapper(TemplateMapper.class);
          BuildMapper buildRows = session.getMapper(BuildMapper.class);
          for (GroupProvider wanted : session.getMapper(PoolMapper.class).wantPrepared()) {
            TemplateGroupRow group = groups.get(wanted.templateGroup());
            if (group == null) {
              continue;
            }
            templates.list(group.name(), TemplateRow.READY, wanted.provider(), 10_000).stream()
                .filter(t -> !t.prepared() && t.usable() && !isObsolete(t.buildDate(), group, now))
                .sorted(TemplateVersions.OLDEST_FIRST.reversed())
                .limit(group.keepPrepared())
                .filter(t -> buildRows.bySource(t.id()).isEmpty())
                .forEach(
                    t ->
                        perGroup.computeIfAbsent(group.name(), g -> new ArrayList<>()).add(t.id()));
          }
          return null;
        });
    int started = 0;
    List<Iterator<Long>> queues = perGroup.values().stream().map(List::iterator).toList();
    boolean any = true;
    while (any) {
      any = false;
      for (Iterator<Long> queue : queues) {
        if (queue.hasNext()) {
          any = true;
          long source = queue.next();
          try {
            builds.start(source);
            started++;
          } catch (BuildRefusedException e) {
            problems.add("build of template " + source + " not started: " + e.getMessage());
          }
        }
      }
    }
    return started;
  }
}
