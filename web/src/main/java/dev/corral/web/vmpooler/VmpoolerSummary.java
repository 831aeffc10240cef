package dev.corral.web.vmpooler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.StatsMapper;
import dev.corral.activities.store.rows.DatedTags;
import dev.corral.activities.store.rows.ReadyDurations;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * vmpooler's {@code summary}: clone and boot durations and counts, overall, per pool and per (UTC)
 * day, and tag counts, for the days {@code from} to {@code to} (both included; default today). A VM
 * counts on the day it became ready. Tags are counted per leased VM from its lease's tags, once
 * leases have tags.
 */
public final class VmpoolerSummary {
  /** A longer range would only make one reply of thousands of empty days. */
  static final int MAX_DAYS = 366;

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT);

  private final Db db;
  private final Clock clock;
  private final ObjectMapper json;

  public VmpoolerSummary(Db db, Clock clock, ObjectMapper json) {
    this.db = db;
    this.clock = clock;
    this.json = json;
  }

  /**
   * Boot, clone and tag totals plus {@code daily}; 400 for dates that are malformed, impossible or
   * reversed.
   */
  public Map<String, Object> summary(String fromParam, String toParam) {
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate from = day("from", fromParam, today);
    LocalDate to = day("to", toParam, today);
    if (from.isAfter(to)) {
      throw new VmpoolerErrors.Rejection(
          400, "from (" + from + ") is after to (" + to + ")", Map.of());
    }
    if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
      throw new VmpoolerErrors.Rejection(
          400, "a summary covers at most " + MAX_DAYS + " days", Map.of());
    }
    var start = from.atStartOfDay(ZoneOffset.UTC).toInstant();
    var end = to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    List<ReadyDurations> durations =
        db.inTransaction(s -> s.getMapper(StatsMapper.class).readyDurations(start, end));
    List<DatedTags> tags =
        db.inTransaction(
            s -> {
              StatsMapper stats = s.getMapper(StatsMapper.class);
              return stats.leaseTagsColumns() == 0
                  ? List.<DatedTags>of()
                  : stats.leaseTags(start, end);
            });

    Period all = new Period();
    Map<LocalDate, Period> days = new TreeMap<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      days.put(d, new Period());
    }
    for (ReadyDurations d : durations) {
      all.add(d);
      days.get(d.day()).add(d);
    }
    for (DatedTags t : tags) {
      countTags(all.tags, t.tags());
      countTags(days.get(t.day()).tags, t.tags());
    }
    List<Map<String, Object>> daily = new ArrayList<>();
    days.forEach(
        (date, period) -> {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("date", date.toString());
          entry.putAll(period.toJson());
          daily.add(entry);
        });
    Map<String, Object> out = new LinkedHashMap<>(all.toJson());
    out.put("daily", daily);
    return out;
  }

  /**
   * One part of the summary ({@code boot}, {@code clone} or {@code tag}) and, with {@code key}, one
   * key of it (such as {@code duration} or a tag name), for the range and for each day; null when
   * there is no such part.
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> part(String route, String key, String from, String to) {
    if (!List.of("boot", "clone", "tag").contains(route)) {
      return null;
    }
    Map<String, Object> whole = summary(from, to);
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> top = pick((Map<String, Object>) whole.get(route), route, key);
    if (top == null) {
      return null;
    }
    out.put(route, top);
    List<Map<String, Object>> daily = new ArrayList<>();
    for (Map<String, Object> day : (List<Map<String, Object>>) whole.get("daily")) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("date", day.get("date"));
      entry.put(route, pick((Map<String, Object>) day.get(route), route, key));
      daily.add(entry);
    }
    out.put("daily", daily);
    return out;
  }

  private static Map<String, Object> pick(Map<String, Object> tree, String route, String key) {
    if (key == null) {
      return tree;
    }
    Object value = tree.get(key);
    if (value == null && "tag".equals(route)) {
      value = Map.of(); // a tag nobody used is counted as nothing, not as an unknown route
    }
    return value == null ? null : Map.of(key, value);
  }

  private static LocalDate day(String name, String value, LocalDate fallback) {
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    try {
      return LocalDate.parse(value, DAY);
    } catch (DateTimeParseException e) {
      throw new VmpoolerErrors.Rejection(
          400,
          name + " must be a date as YYYY-MM-DD that exists; '" + value + "' is not",
          Map.of());
    }
  }

  /**
   * Adds one VM's tags (a JSON object of strings) to {@code counts}; tags that are not such an
   * object are skipped.
   */
  private void countTags(Map<String, Map<String, Integer>> counts, String tagsJson) {
    JsonNode tags;
    try {
      tags = json.readTree(tagsJson);
    } catch (Exception e) {
      return;
    }
    if (tags == null || !tags.isObject()) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> tag = it.next();
      Map<String, Integer> values = counts.computeIfAbsent(tag.getKey(), k -> new TreeMap<>());
      values.merge(tag.getValue().asText(), 1, Integer::sum);
      values.merge("total", 1, Integer::sum);
    }
  }

  /** Everything counted over one period (the whole range, or one day). */
  private static final class Period {
    final VmpoolerTaskStats boot = new VmpoolerTaskStats();
    final VmpoolerTaskStats clone = new VmpoolerTaskStats();
    final Map<String, VmpoolerTaskStats> bootByPool = new TreeMap<>();
    final Map<String, VmpoolerTaskStats> cloneByPool = new TreeMap<>();
    final Map<String, Map<String, Integer>> tags = new TreeMap<>();

    void add(ReadyDurations d) {
      boot.add(d.count(), d.bootTotal(), d.bootMin(), d.bootMax());
      clone.add(d.count(), d.cloneTotal(), d.cloneMin(), d.cloneMax());
      bootByPool
          .computeIfAbsent(d.pool(), p -> new VmpoolerTaskStats())
          .add(d.count(), d.bootTotal(), d.bootMin(), d.bootMax());
      cloneByPool
          .computeIfAbsent(d.pool(), p -> new VmpoolerTaskStats())
          .add(d.count(), d.cloneTotal(), d.cloneMin(), d.cloneMax());
    }

    Map<String, Object> toJson() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("boot", task(boot, bootByPool));
      out.put("clone", task(clone, cloneByPool));
      out.put("tag", new TreeMap<String, Object>(tags));
      return out;
    }

    private static Map<String, Object> task(
        VmpoolerTaskStats total, Map<String, VmpoolerTaskStats> byPool) {
      Map<String, Object> durations = new LinkedHashMap<>(total.duration());
      Map<String, Object> poolDurations = new LinkedHashMap<>();
      Map<String, Object> poolCounts = new LinkedHashMap<>();
      byPool.forEach(
          (pool, stats) -> {
            poolDurations.put(pool, stats.duration());
            poolCounts.put(pool, Map.of("total", stats.count()));
          });
      durations.put("pool", poolDurations);
      Map<String, Object> count = new LinkedHashMap<>();
      count.put("total", total.count());
      count.put("pool", poolCounts);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("duration", durations);
      out.put("count", count);
      return out;
    }
  }
}
