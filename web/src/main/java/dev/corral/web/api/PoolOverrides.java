package dev.corral.web.api;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.TemplateMapper;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.ShepherdNudger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ibatis.session.SqlSession;

/**
 * Changes to a running pool made through the API: a size or template that overrides the config
 * (kept in the database, so restarts keep them; the DELETEs undo them) and a reset that drains the
 * pool's ready and provisioning VMs. One service behind both {@code /v1/pools/...} and vmpooler's
 * {@code /api/v3/config}. Each change nudges the pool's shepherd, which plans from the effective
 * size and template at once. Requests naming several pools are checked as a whole first, so they
 * change all of them or none.
 */
public final class PoolOverrides {
  /** Far above any real pool, low enough that a typo cannot ask a provider for millions of VMs. */
  public static final int MAX_SIZE = 10_000;

  private static final List<String> DRAINABLE = List.of(VmStates.READY, VmStates.PROVISIONING);

  public record SizeReset(boolean changed, int sizeBeforeReset, int sizeBeforeOverrides) {}

  public record TemplateReset(
      boolean changed, String templateBeforeReset, String templateBeforeOverrides) {}

  public record CloneTargetReset(
      boolean changed, String cloneTargetBeforeReset, List<String> providersAsConfigured) {}

  /** A pool's size and template as configured, as overridden and as in effect. */
  public record PoolSettings(
      String pool,
      int size,
      int configuredSize,
      Integer sizeOverride,
      String template,
      String configuredTemplate,
      String templateOverride) {
    static PoolSettings of(PoolRow row) {
      return new PoolSettings(
          row.name(),
          row.size(),
          row.configuredSize(),
          row.sizeOverride(),
          row.template(),
          row.configuredTemplate(),
          row.templateOverride());
    }
  }

  private final Db db;
  private final Clock clock;
  private final ShepherdNudger nudger;
  private final VmRetirements retirements;

  public PoolOverrides(Db db, Clock clock, ShepherdNudger nudger, VmRetirements retirements) {
    this.db = db;
    this.clock = clock;
    this.nudger = nudger;
    this.retirements = retirements;
  }

  public PoolSettings settings(String pool) {
    return PoolSettings.of(db.inTransaction(session -> known(session, List.of(pool)).get(0)));
  }

  /**
   * Overrides the sizes; true when any pool's override changed. Sizes must be 0 to {@link
   * #MAX_SIZE}.
   */
  public boolean setSizes(Map<String, Integer> sizes) {
    List<String> bad =
        sizes.entrySet().stream()
            .filter(e -> e.getValue() == null || e.getValue() < 0 || e.getValue() > MAX_SIZE)
            .map(Map.Entry::getKey)
            .toList();
    if (!bad.isEmpty()) {
      throw new ApiException(
          400,
          "bad_size",
          "a pool size must be a whole number from 0 to " + MAX_SIZE,
          Map.of("pools", bad));
    }
    Instant now = clock.instant();
    boolean changed =
        db.inTransaction(
            session -> {
              boolean any = false;
              for (PoolRow pool : known(session, List.copyOf(sizes.keySet()))) {
                Integer size = sizes.get(pool.name());
                if (!size.equals(pool.sizeOverride())) {
                  session.getMapper(PoolMapper.class).setSizeOverride(pool.name(), size, now);
                  any = true;
                }
              }
              return any;
            });
    sizes.keySet().forEach(nudger::vmChanged);
    return changed;
  }

  public SizeReset resetSize(String poolName) {
    Instant now = clock.instant();
    SizeReset reset =
        db.inTransaction(
            session -> {
              PoolRow pool = known(session, List.of(poolName)).get(0);
              if (pool.sizeOverride() == null) {
                return new SizeReset(false, pool.size(), pool.configuredSize());
              }
              session.getMapper(PoolMapper.class).setSizeOverride(poolName, null, now);
              return new SizeReset(true, pool.size(), pool.configuredSize());
            });
    nudger.vmChanged(poolName);
    return reset;
  }

  /**
   * Overrides the templates; true when any changed. A template must be one Corral knows as ready
   * and usable on at least one of the pool's providers. Ready VMs of the old template are drained
   * by the planner only as VMs of the new one are ready, so the pool keeps its ready VMs while it
   * switches.
   */
  public boolean setTemplates(Map<String, String> templates) {
    Instant now = clock.instant();
    boolean changed =
        db.inTransaction(
            session -> {
              List<PoolRow> pools = known(session, List.copyOf(templates.keySet()));
              List<String> bad = new ArrayList<>();
              for (PoolRow pool : pools) {
                String template = templates.get(pool.name());
                List<String> providers = session.getMapper(PoolMapper.class).providers(pool.name());
                if (template == null
                    || template.isBlank()
                    || providers.isEmpty()
                    || session
                        .getMapper(TemplateMapper.class)
                        .providersHolding(template, providers)
                        .isEmpty()) {
                  bad.add(pool.name());
                }
              }
              if (!bad.isEmpty()) {
                throw new ApiException(
                    400,
                    "bad_template",
                    "no such ready template on the pool's providers for pool(s) "
                        + String.join(", ", bad),
                    Map.of("pools", bad));
              }
              boolean any = false;
              for (PoolRow pool : pools) {
                String template = templates.get(pool.name());
                if (!template.equals(pool.templateOverride())) {
                  session
                      .getMapper(PoolMapper.class)
                      .setTemplateOverride(pool.name(), template, now);
                  any = true;
                }
              }
              return any;
            });
    templates.keySet().forEach(nudger::vmChanged);
    return changed;
  }

  public TemplateReset resetTemplate(String poolName) {
    Instant now = clock.instant();
    TemplateReset reset =
        db.inTransaction(
            session -> {
              PoolRow pool = known(session, List.of(poolName)).get(0);
              // null for a pool whose config picks its template by a group selector
              String configured = pool.configuredTemplate();
              if (pool.templateOverride() == null) {
                return new TemplateReset(false, pool.templateOverride(), configured);
              }
              session.getMapper(PoolMapper.class).setTemplateOverride(poolName, null, now);
              return new TemplateReset(true, pool.templateOverride(), configured);
            });
    nudger.vmChanged(poolName);
    return reset;
  }

  /**
   * Makes each pool clone on one of its configured providers only (vmpooler's clone target); true
   * when any changed. VMs on the pool's other providers are drained by the planner as replacements
   * on the target become ready, as for a template change, so the pool keeps its ready VMs while it
   * moves.
   */
  public boolean setCloneTargets(Map<String, String> targets) {
    Instant now = clock.instant();
    boolean changed =
        db.inTransaction(
            session -> {
              PoolMapper mapper = session.getMapper(PoolMapper.class);
              List<PoolRow> pools = known(session, List.copyOf(targets.keySet()));
              List<String> bad = new ArrayList<>();
              for (PoolRow pool : pools) {
                String target = targets.get(pool.name());
                if (target == null || !mapper.configuredProviders(pool.name()).contains(target)) {
                  bad.add(pool.name());
                }
              }
              if (!bad.isEmpty()) {
                throw new ApiException(
                    400,
                    "bad_clone_target",
                    "a clone target must be one of the pool's configured providers, for pool(s) "
                        + String.join(", ", bad),
                    Map.of("pools", bad));
              }
              boolean any = false;
              for (PoolRow pool : pools) {
                String target = targets.get(pool.name());
                if (!target.equals(mapper.cloneTargetOverride(pool.name()))) {
                  mapper.setCloneTargetOverride(pool.name(), target, now);
                  any = true;
                }
              }
              return any;
            });
    targets.keySet().forEach(nudger::vmChanged);
    return changed;
  }

  public CloneTargetReset resetCloneTarget(String poolName) {
    Instant now = clock.instant();
    CloneTargetReset reset =
        db.inTransaction(
            session -> {
              known(session, List.of(poolName));
              PoolMapper mapper = session.getMapper(PoolMapper.class);
              String before = mapper.cloneTargetOverride(poolName);
              List<String> configured = mapper.configuredProviders(poolName);
              if (before == null) {
                return new CloneTargetReset(false, null, configured);
              }
              mapper.setCloneTargetOverride(poolName, null, now);
              return new CloneTargetReset(true, before, configured);
            });
    nudger.vmChanged(poolName);
    return reset;
  }

  /** The provider the pool is narrowed to, or null when it clones on all its providers. */
  public String cloneTarget(String poolName) {
    return db.inTransaction(
        session -> {
          known(session, List.of(poolName));
          return session.getMapper(PoolMapper.class).cloneTargetOverride(poolName);
        });
  }

  /**
   * Drains the pools' ready and provisioning VMs (leased ones stay with their leases); the
   * shepherds refill them at once. Returns how many VMs are being destroyed.
   */
  public int reset(List<String> poolNames) {
    Instant now = clock.instant();
    List<VmRow> drained =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              List<String> names = new ArrayList<>();
              for (PoolRow pool : known(session, poolNames)) {
                for (String name : vms.namesInStates(pool.name(), DRAINABLE)) {
                  if (vms.transition(name, DRAINABLE, VmStates.DESTROYING, "pool reset", now)
                      == 1) {
                    names.add(name);
                  }
                }
              }
              return names.isEmpty() ? List.<VmRow>of() : vms.selectByNames(names);
            });
    retirements.retireAll(drained, "pool reset");
    poolNames.forEach(nudger::vmChanged);
    return drained.size();
  }

  /** The active pools of these names, in order; a 404 naming all unknown ones otherwise. */
  private static List<PoolRow> known(SqlSession session, List<String> names) {
    PoolMapper pools = session.getMapper(PoolMapper.class);
    List<PoolRow> rows = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String name : names) {
      PoolRow row = pools.selectByName(name);
      if (row == null || !row.active()) {
        unknown.add(name);
      } else {
        rows.add(row);
      }
    }
    if (!unknown.isEmpty()) {
      throw ApiException.notFound(
          "unknown_pool", "no pool named " + String.join(", ", unknown), Map.of("pools", unknown));
    }
    return rows;
  }
}
