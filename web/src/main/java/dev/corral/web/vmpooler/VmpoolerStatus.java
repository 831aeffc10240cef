package dev.corral.web.vmpooler;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.PoolMapper;
import dev.corral.activities.store.StatsMapper;
import dev.corral.activities.store.rows.PoolAlias;
import dev.corral.activities.store.rows.PoolInstant;
import dev.corral.activities.store.rows.PoolRow;
import dev.corral.activities.store.rows.ReadyDurations;
import dev.corral.activities.store.rows.StateCount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * vmpooler's {@code status}, {@code poolstat} and {@code totalrunning}, computed on every request
 * from the inventory with a few GROUP BY queries: never cached, so never stale (vmpooler caches
 * status for 30 s and mixes up its queue numbers with more than one pool, vmpooler.md §12.5).
 * Corral's states map to vmpooler's: provisioning is {@code pending} (split into cloning and
 * booting), leased is {@code running}, destroying is {@code completed}; a pool's {@code max} is its
 * effective size.
 */
public final class VmpoolerStatus {
  public static final List<String> VIEWS =
      List.of("boot", "capacity", "clone", "queue", "pools", "status");
  static final String ALL_GOOD = "Battle station fully armed and operational.";
  private static final DateTimeFormatter LAST_BOOT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss '+0000'");

  /**
   * What the queries found: active pools with their aliases, counts per pool and state, last boots.
   */
  private record Snapshot(
      List<PoolRow> pools,
      Map<String, List<String>> aliases,
      Map<String, Map<String, Integer>> counts,
      Map<String, Instant> lastBoot) {
    int count(String pool, String state) {
      return counts.getOrDefault(pool, Map.of()).getOrDefault(state, 0);
    }

    int total(String state) {
      return counts.values().stream().mapToInt(c -> c.getOrDefault(state, 0)).sum();
    }
  }

  private final Db db;
  private final Clock clock;
  private final Instant startedAt;

  public VmpoolerStatus(Db db, Clock clock, Instant startedAt) {
    this.db = db;
    this.clock = clock;
    this.startedAt = startedAt;
  }

  /**
   * The status document with only the sections in {@code views} ({@code status} is always there).
   */
  public Map<String, Object> status(Set<String> views) {
    Snapshot s = snapshot(true);
    Map<String, Object> out = new LinkedHashMap<>();
    if (views.contains("boot") || views.contains("clone")) {
      LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
      VmpoolerTaskStats clone = new VmpoolerTaskStats();
      VmpoolerTaskStats boot = new VmpoolerTaskStats();
      Instant from = today.atStartOfDay(ZoneOffset.UTC).toInstant();
      for (ReadyDurations d :
          db.inTransaction(
              x ->
                  x.getMapper(StatsMapper.class)
                      .readyDurations(from, from.plus(Duration.ofDays(1))))) {
        clone.add(d.count(), d.cloneTotal(), d.cloneMin(), d.cloneMax());
        boot.add(d.count(), d.bootTotal(), d.bootMin(), d.bootMax());
      }
      if (views.contains("boot")) {
        out.put("boot", task(boot));
      }
      if (views.contains("clone")) {
        out.put("clone", task(clone));
      }
    }
    if (views.contains("capacity")) {
      int current = s.pools.stream().mapToInt(p -> s.count(p.name(), "ready")).sum();
      int total = s.pools.stream().mapToInt(PoolRow::size).sum();
      out.put(
          "capacity",
          ordered(
              "current",
              current,
              "total",
              total,
              "percent",
              total == 0 ? 0.0 : Math.round(1000.0 * current / total) / 10.0));
    }
    if (views.contains("queue")) {
      int cloning = s.total("cloning");
      int booting = s.total("booting");
      int ready = s.total("ready");
      int running = s.total("leased");
      int completed = s.total("destroying");
      // requested counts on-demand requests waiting for VMs; Corral has none of those yet.
      out.put(
          "queue",
          ordered(
              "requested",
              0,
              "pending",
              cloning + booting,
              "cloning",
              cloning,
              "booting",
              booting,
              "ready",
              ready,
              "running",
              running,
              "completed",
              completed,
              "total",
              cloning + booting + ready + running + completed));
    }
    if (views.contains("pools")) {
      Map<String, Object> pools = new LinkedHashMap<>();
      for (PoolRow p : s.pools) {
        Instant last = s.lastBoot.get(p.name());
        pools.put(
            p.name(),
            ordered(
                "ready",
                s.count(p.name(), "ready"),
                "running",
                s.count(p.name(), "leased"),
                "pending",
                s.count(p.name(), "cloning") + s.count(p.name(), "booting"),
                "max",
                p.size(),
                "lastBoot",
                last == null ? null : LAST_BOOT.format(last.atOffset(ZoneOffset.UTC)),
                "alias",
                s.aliases.getOrDefault(p.name(), List.of())));
      }
      out.put("pools", pools);
    }
    out.put("status", health(s));
    return out;
  }

  /**
   * {@code {"pools": {name: {"max", "alias", "ready"}}}} for the pools named or aliased in {@code
   * wanted}.
   */
  public Map<String, Object> poolstat(Set<String> wanted) {
    Snapshot s = snapshot(true);
    Map<String, Object> pools = new LinkedHashMap<>();
    for (PoolRow p : s.pools) {
      List<String> aliases = s.aliases.getOrDefault(p.name(), List.of());
      if (wanted.contains(p.name()) || aliases.stream().anyMatch(wanted::contains)) {
        pools.put(
            p.name(),
            ordered("max", p.size(), "alias", aliases, "ready", s.count(p.name(), "ready")));
      }
    }
    return Map.of("pools", pools);
  }

  /** The configured pools' names (aliases are not listed, as in vmpooler). */
  public List<String> poolNames() {
    return db.inTransaction(x -> x.getMapper(PoolMapper.class).selectAll()).stream()
        .filter(PoolRow::active)
        .map(PoolRow::name)
        .toList();
  }

  /** Leased VMs in all pools. */
  public Map<String, Object> totalRunning() {
    return Map.of("running", snapshot(false).total("leased"));
  }

  /** vmpooler's rule: a pool is empty when it should have VMs (size > 0) and has none ready. */
  private Map<String, Object> health(Snapshot s) {
    List<String> empty =
        s.pools.stream()
            .filter(p -> p.size() != 0 && s.count(p.name(), "ready") == 0)
            .map(PoolRow::name)
            .toList();
    double uptime =
        Math.round(Duration.between(startedAt, clock.instant()).toMillis() / 100.0) / 10.0;
    if (empty.isEmpty()) {
      return ordered("ok", true, "message", ALL_GOOD, "uptime", uptime);
    }
    return ordered(
        "ok",
        false,
        "message",
        "Found " + empty.size() + " empty pools.",
        "empty",
        empty,
        "uptime",
        uptime);
  }

  private static Map<String, Object> task(VmpoolerTaskStats stats) {
    return ordered("duration", stats.duration(), "count", ordered("total", stats.count()));
  }

  private Snapshot snapshot(boolean withPools) {
    return db.inTransaction(
        session -> {
          StatsMapper stats = session.getMapper(StatsMapper.class);
          Map<String, Map<String, Integer>> counts = new HashMap<>();
          for (StateCount c : stats.livePhasesByPool()) {
            counts
                .computeIfAbsent(c.groupName(), g -> new HashMap<>())
                .merge(c.state(), c.count(), Integer::sum);
          }
          if (!withPools) {
            return new Snapshot(List.of(), Map.of(), counts, Map.of());
          }
          List<PoolRow> pools =
              session.getMapper(PoolMapper.class).selectAll().stream()
                  .filter(PoolRow::active)
                  .toList();
          Map<String, List<String>> aliases = new HashMap<>();
          for (PoolAlias a : stats.aliases()) {
            aliases.computeIfAbsent(a.pool(), p -> new ArrayList<>()).add(a.alias());
          }
          Map<String, Instant> lastBoot = new HashMap<>();
          for (PoolInstant at : stats.lastReadyByPool()) {
            lastBoot.put(at.pool(), at.at());
          }
          return new Snapshot(pools, aliases, counts, lastBoot);
        });
  }

  /** A JSON object with its keys in the order given (vmpooler's order, which people read). */
  static Map<String, Object> ordered(Object... keysAndValues) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      out.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return out;
  }
}
