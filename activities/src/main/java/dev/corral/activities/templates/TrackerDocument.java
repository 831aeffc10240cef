package dev.corral.activities.templates;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Parses a tracker document (YAML, or JSON, which is YAML too): {@code builds: [{group, name,
 * version?, date, ga, usable, providers: [...]}]}. A bad entry is reported and skipped; the good
 * ones still count, so one typo does not hide every other build.
 */
public final class TrackerDocument {
  private static final Set<String> KEYS =
      Set.of("group", "name", "version", "date", "ga", "usable", "providers");

  public record Parsed(List<TrackerBuild> builds, List<String> problems) {}

  private TrackerDocument() {}

  public static Parsed parse(String text, String source) {
    List<TrackerBuild> builds = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
    } catch (RuntimeException e) {
      problems.add(source + ": not YAML or JSON: " + firstLine(e.getMessage()));
      return new Parsed(builds, problems);
    }
    if (!(root instanceof Map<?, ?> top) || !(top.get("builds") instanceof List<?> entries)) {
      problems.add(source + ": expected a mapping with a 'builds' list");
      return new Parsed(builds, problems);
    }
    for (int i = 0; i < entries.size(); i++) {
      String where = source + ": builds[" + i + "]";
      if (!(entries.get(i) instanceof Map<?, ?> entry)) {
        problems.add(where + ": expected a mapping");
        continue;
      }
      try {
        builds.add(build(entry));
      } catch (IllegalArgumentException e) {
        problems.add(where + ": " + e.getMessage());
      }
    }
    return new Parsed(builds, problems);
  }

  private static TrackerBuild build(Map<?, ?> entry) {
    for (Object key : entry.keySet()) {
      if (!KEYS.contains(String.valueOf(key))) {
        throw new IllegalArgumentException(
            "unknown key '"
                + key
                + "' (known: "
                + String.join(", ", KEYS.stream().sorted().toList())
                + ")");
      }
    }
    String group = requiredText(entry, "group");
    String name = requiredText(entry, "name");
    Object version = entry.get("version");
    Object providers = entry.get("providers");
    if (!(providers instanceof List<?> list) || list.isEmpty()) {
      throw new IllegalArgumentException("'providers' must be a non-empty list of provider names");
    }
    return new TrackerBuild(
        group,
        name,
        version == null ? null : String.valueOf(version),
        date(entry.get("date")),
        flag(entry, "ga", false),
        flag(entry, "usable", true),
        list.stream().map(String::valueOf).toList());
  }

  private static String requiredText(Map<?, ?> entry, String key) {
    Object value = entry.get(key);
    if (value == null || String.valueOf(value).isBlank()) {
      throw new IllegalArgumentException("'" + key + "' is required");
    }
    return String.valueOf(value);
  }

  private static boolean flag(Map<?, ?> entry, String key, boolean dflt) {
    Object value = entry.get(key);
    if (value == null) {
      return dflt;
    }
    if (!(value instanceof Boolean b)) {
      throw new IllegalArgumentException(
          "'" + key + "' must be true or false (got '" + value + "')");
    }
    return b;
  }

  private static LocalDate date(Object value) {
    if (value == null) {
      throw new IllegalArgumentException("'date' is required (YYYY-MM-DD)");
    }
    if (value instanceof Date d) {
      return d.toInstant().atZone(ZoneOffset.UTC).toLocalDate();
    }
    try {
      return LocalDate.parse(String.valueOf(value));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'date' must be YYYY-MM-DD (got '" + value + "')");
    }
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
