package dev.corral.activities.inventory;

import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.PoolDemandRow;
import dev.corral.activities.store.rows.TemplateCount;
import dev.corral.activities.store.rows.VmStates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.ibatis.session.SqlSession;

/**
 * What a pool's waiting leases ask of its shepherd beyond {@code size}, read in the planner's and
 * the provisioner's transactions alike so both count the same. Leases of any VM of the pool, and
 * leases by a build the pool clones now, are served by the pool's ordinary clones ({@link
 * #forCurrent}). A lease by a build the pool does not clone now (an older build someone asked for,
 * or the build the pool cloned before it moved on) gets clones of that build's template on the
 * pool's providers that hold it ({@link #builds}): the build was leasable when the lease was made,
 * and a rollover must not strand it.
 */
final class PoolDemand {
  /**
   * Clones of one build's template the pool's waiting leases still need. {@code underWay}: ready
   * and provisioning VMs of the template that will serve them, {@code underWayCurrent} of which are
   * also of the pool's current template on their provider; {@code holders}: the pool's providers
   * that may clone it for them, in pool order.
   */
  record BuildDemand(
      String template,
      String provider,
      int missing,
      int underWay,
      int underWayCurrent,
      List<String> holders) {
    /** Missing VMs that no ready or provisioning VM of the template will bring. */
    int toClone() {
      return Math.max(0, missing - underWay);
    }

    /**
     * VMs of the pool's current templates that are the leases', not the pool's stock: they must not
     * count toward {@code size}, or the planner would retire as surplus what they stand for.
     */
    int currentForLeases() {
      return Math.min(missing, underWayCurrent);
    }
  }

  private final int forCurrent;
  private final List<BuildDemand> builds;
  private final Set<String> buildTemplates;

  private PoolDemand(int forCurrent, List<BuildDemand> builds) {
    this.forCurrent = forCurrent;
    this.builds = List.copyOf(builds);
    Set<String> templates = new LinkedHashSet<>();
    builds.forEach(b -> templates.add(b.template()));
    this.buildTemplates = Set.copyOf(templates);
  }

  /**
   * @param current the pool's current template per provider ({@link PoolTemplates#current})
   * @param counts the pool's ready and provisioning VMs by provider and template
   */
  static PoolDemand read(
      SqlSession session,
      String pool,
      Map<String, String> current,
      List<TemplateCount> counts,
      Instant now) {
    int forCurrent = 0;
    Map<List<String>, Integer> missingByBuild = new LinkedHashMap<>();
    for (PoolDemandRow row : PendingLeaseStore.demandOf(session, pool, now)) {
      if (row.template() == null || clonedNow(row, current)) {
        forCurrent += row.missing();
      } else if (row.missing() > 0) {
        missingByBuild.merge(
            Arrays.asList(row.template(), row.provider()), row.missing(), Integer::sum);
      }
    }
    List<BuildDemand> builds = new ArrayList<>();
    missingByBuild.forEach(
        (key, missing) -> {
          String template = key.get(0);
          String provider = key.get(1);
          List<TemplateCount> ofBuild =
              counts.stream()
                  .filter(c -> template.equals(c.template()))
                  .filter(c -> provider == null || provider.equals(c.provider()))
                  .toList();
          int underWay = ofBuild.stream().mapToInt(TemplateCount::count).sum();
          int underWayCurrent =
              ofBuild.stream()
                  .filter(c -> template.equals(current.get(c.provider())))
                  .mapToInt(TemplateCount::count)
                  .sum();
          List<String> holders = holders(session, pool, template, provider);
          // A build none of the pool's providers holds any more cannot be cloned: asking for it
          // each pass would only start activities that reserve nothing. Its lease fails at its
          // deadline, saying what was short.
          if (!holders.isEmpty()) {
            builds.add(
                new BuildDemand(template, provider, missing, underWay, underWayCurrent, holders));
          }
        });
    return new PoolDemand(forCurrent, builds);
  }

  /**
   * Whether the pool's ordinary clones are of the lease's template, wherever they land: the pool
   * clones it on every provider, and has no provider but the lease's when the lease named one.
   */
  private static boolean clonedNow(PoolDemandRow row, Map<String, String> current) {
    return !current.isEmpty()
        && current.values().stream().allMatch(row.template()::equals)
        && (row.provider() == null || current.keySet().equals(Set.of(row.provider())));
  }

  /**
   * VMs of the pool's current templates beyond {@code size}: those its waiting leases of any VM (or
   * of the build it clones now) still miss, and those of its current templates that are under way
   * for leases of a build.
   */
  int forCurrent() {
    return forCurrent + builds.stream().mapToInt(BuildDemand::currentForLeases).sum();
  }

  List<BuildDemand> builds() {
    return builds;
  }

  int toClone() {
    return builds.stream().mapToInt(BuildDemand::toClone).sum();
  }

  /**
   * Templates whose ready VMs are kept for waiting leases: never drained as a former template's.
   */
  Set<String> keptTemplates() {
    return buildTemplates;
  }

  /** Ready VMs of the pool that are not of its current templates but kept for waiting leases. */
  int readyKept(List<TemplateCount> counts, Map<String, String> current) {
    return counts.stream()
        .filter(c -> VmStates.READY.equals(c.state()))
        .filter(c -> buildTemplates.contains(c.template()))
        .filter(c -> !Objects.equals(c.template(), current.get(c.provider())))
        .mapToInt(TemplateCount::count)
        .sum();
  }

  /**
   * The pool's providers that may clone a build's template for its leases ({@code provider}: that
   * one only), in pool order.
   */
  private static List<String> holders(
      SqlSession session, String pool, String template, String provider) {
    List<String> providers = session.getMapper(PoolMapper.class).providers(pool);
    if (provider != null) {
      providers = providers.stream().filter(provider::equals).toList();
    }
    if (providers.isEmpty()) {
      return List.of();
    }
    List<String> holding =
        session.getMapper(TemplateMapper.class).providersHolding(template, providers);
    return providers.stream().filter(holding::contains).toList();
  }
}
