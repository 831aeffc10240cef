package dev.corral.activities.inventory;

import dev.corral.activities.provider.ProviderTypes;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.ProviderMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.PoolSelector;
import dev.corral.activities.store.rows.TemplateRow;
import dev.corral.activities.templates.TemplateVersions;
import dev.corral.config.TemplateSelector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.ibatis.session.SqlSession;

/**
 * Which template a pool clones now, per provider. A fixed template is the same everywhere. A
 * selector takes the newest usable build of its group (highest version, then newest date) and every
 * provider of the pool that holds that build; providers holding only older builds get no new VMs,
 * so the pool moves to the newest build as a whole.
 */
public final class PoolTemplates {
  private PoolTemplates() {}

  /**
   * The current template per provider, in the pool's provider order; empty when none is usable yet.
   */
  public static Map<String, String> current(SqlSession session, PoolRow pool) {
    List<String> providers = session.getMapper(PoolMapper.class).providers(pool.name());
    Map<String, String> current = new LinkedHashMap<>();
    PoolSelector selector = pool.selector();
    if (selector == null) {
      if (pool.templateOverride() != null && !providers.isEmpty()) {
        // An API override may name a template only some of the pool's providers hold; the others
        // get
        // no new VMs rather than clones that fail.
        List<String> holding =
            session.getMapper(TemplateMapper.class).providersHolding(pool.template(), providers);
        providers.stream().filter(holding::contains).forEach(p -> current.put(p, pool.template()));
      } else if (pool.template() != null) {
        providers.forEach(p -> current.put(p, pool.template()));
      }
      return current;
    }
    if (selector.templateContainer() != null) {
      // Sprout's container flag: only providers whose templates are of the kind asked for.
      Map<String, String> types = new java.util.HashMap<>();
      session
          .getMapper(ProviderMapper.class)
          .selectAll()
          .forEach(p -> types.put(p.name(), p.type()));
      providers =
          providers.stream()
              .filter(
                  p ->
                      ProviderTypes.matchesContainerFlag(
                          types.get(p), selector.templateContainer()))
              .toList();
    }
    if (providers.isEmpty()) {
      return current;
    }
    List<TemplateRow> usable =
        session
            .getMapper(TemplateMapper.class)
            .usableOf(selector.templateGroup(), selector.templatePrepared(), providers)
            .stream()
            .filter(
                t ->
                    TemplateSelector.LATEST.equals(selector.templateVersion())
                        || TemplateVersions.matches(selector.templateVersion(), t.version()))
            .toList();
    Optional<TemplateRow> newest = usable.stream().max(TemplateVersions.OLDEST_FIRST);
    if (newest.isEmpty()) {
      return current;
    }
    for (String provider : providers) {
      usable.stream()
          .filter(t -> t.provider().equals(provider) && sameBuild(t, newest.get()))
          .max(TemplateVersions.OLDEST_FIRST)
          .ifPresent(t -> current.put(provider, t.name()));
    }
    return current;
  }

  /** The same build of the group: equal version and date (prepared copies carry their source's). */
  private static boolean sameBuild(TemplateRow a, TemplateRow b) {
    return Objects.equals(a.version(), b.version()) && Objects.equals(a.buildDate(), b.buildDate());
  }

  /** What to tell users when a pool has no template to clone. */
  public static String noTemplateReason(PoolRow pool) {
    return noTemplateReason(pool.name(), pool.selector());
  }

  /** The same for a pool known by name and selector (null for a fixed template). */
  public static String noTemplateReason(String pool, PoolSelector selector) {
    if (selector == null) {
      return "pool " + pool + " has no template";
    }
    return "no usable "
        + (selector.templatePrepared() ? "prepared" : "raw")
        + (selector.templateContainer() == null
            ? ""
            : selector.templateContainer() ? " container" : " VM")
        + " template of group "
        + selector.templateGroup()
        + (TemplateSelector.LATEST.equals(selector.templateVersion())
            ? ""
            : " version " + selector.templateVersion())
        + " on the pool's providers yet";
  }
}
