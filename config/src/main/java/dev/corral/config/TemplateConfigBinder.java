package dev.corral.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Binds what pools need to follow template builds: the {@code template_groups:} and {@code
 * tracker:} sections, and a pool's {@code template: {group, version, prepared, container}}
 * selector. Whether a selector's group exists is a cross-reference, checked by {@link
 * ConfigValidator}.
 */
final class TemplateConfigBinder {
  /**
   * A version prefix: starts with a digit, dot-separated parts without blanks ({@code 12}, {@code
   * 12.8}, {@code 5.11.0.3}, {@code 12.8-rc1}). No empty part, so {@code 12.} cannot match {@code
   * 12..x}.
   */
  static final Pattern VERSION = Pattern.compile("\\d[A-Za-z0-9_+~-]*(\\.[A-Za-z0-9_+~-]+)*");

  static final Pattern HTTP_URL = Pattern.compile("(?i)https?://[^\\s/]\\S*");
  static final Duration MIN_TRACKER_INTERVAL = Duration.ofSeconds(1);

  private final YamlNodes nodes;

  TemplateConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  /** Absent or empty means none; groups keep the order of the file. */
  Map<String, TemplateGroupConfig> templateGroups(YamlMapping top) {
    return top.bind("template_groups", this::templateGroupsSection);
  }

  private Map<String, TemplateGroupConfig> templateGroupsSection(YamlMapping section) {
    Map<String, TemplateGroupConfig> groups = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!ConfigBinder.POOL_NAME.matcher(name).matches()) {
        nodes.problem(
            section.path(name),
            section.lineOf(name),
            "template group name " + ConfigBinder.POOL_NAME_RULE + " (got '" + name + "')");
      }
      groups.put(
          name,
          section.bind(
              name,
              g ->
                  new TemplateGroupConfig(
                      name,
                      g.integer(
                          "obsolete_days",
                          TemplateGroupConfig.DEFAULT_OBSOLETE_DAYS,
                          1,
                          Integer.MAX_VALUE),
                      g.integer(
                          "keep_prepared",
                          TemplateGroupConfig.DEFAULT_KEEP_PREPARED,
                          1,
                          Integer.MAX_VALUE),
                      g.bind("configure", this::configure))));
    }
    return groups;
  }

  /**
   * Flat key/values for the configure step; a YAML number or boolean is handed over as its text.
   */
  private Map<String, String> configure(YamlMapping m) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : m.keys()) {
      Node n = m.get(key);
      String path = m.path(key);
      if (!(n instanceof ScalarNode)) {
        nodes.problem(
            path,
            n == null ? m.lineOf(key) : YamlNodes.line(n),
            "expected a single value (text, a number or true/false), got " + YamlNodes.kind(n));
        continue;
      }
      String s = nodes.string(n, path);
      if (s != null) {
        values.put(key, s);
      }
    }
    return values;
  }

  /** Absent means {@link TrackerConfig#NONE}: only the providers' own listings are read. */
  TrackerConfig tracker(YamlMapping top) {
    return top.present("tracker") ? top.bind("tracker", this::trackerSection) : TrackerConfig.NONE;
  }

  private TrackerConfig trackerSection(YamlMapping m) {
    Duration interval = m.duration("interval", TrackerConfig.DEFAULT_INTERVAL);
    if (interval.compareTo(MIN_TRACKER_INTERVAL) < 0) {
      nodes.problem(
          m.path("interval"),
          m.lineOf("interval"),
          "must be at least "
              + Durations.format(MIN_TRACKER_INTERVAL)
              + " (got "
              + Durations.format(interval)
              + ")");
      interval = TrackerConfig.DEFAULT_INTERVAL;
    }
    return new TrackerConfig(interval, sources(m));
  }

  private List<TrackerConfig.Source> sources(YamlMapping tracker) {
    Node n = tracker.get("sources");
    if (n == null) {
      return List.of();
    }
    List<Node> items =
        nodes.list(n, tracker.path("sources"), "a list of sources ({file: PATH} or {url: URL})");
    if (items == null) {
      return List.of();
    }
    List<TrackerConfig.Source> sources = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String path = SourceLines.item(tracker.path("sources"), i);
      Node item = items.get(i);
      if (YamlNodes.isNull(item)) {
        nodes.problem(
            path, YamlNodes.line(item), "expected {file: PATH} or {url: URL}, got nothing");
      }
      TrackerConfig.Source source =
          nodes.bind(
              item,
              path,
              YamlNodes.line(item),
              s -> item instanceof MappingNode ? source(s) : null);
      if (source != null) {
        sources.add(source);
      }
    }
    return sources;
  }

  /** Null if unusable (after reporting why). */
  private TrackerConfig.Source source(YamlMapping s) {
    boolean hasFile = s.present("file");
    boolean hasUrl = s.present("url");
    if (hasFile == hasUrl) {
      nodes.problem(
          s.path(),
          s.line(),
          hasFile ? "give either file or url, not both" : "needs file: PATH or url: http(s)://...");
      return null;
    }
    if (hasFile) {
      Path file = s.get("file") == null ? null : s.filePath("file", null);
      if (s.get("file") == null) {
        nodes.problem(s.path("file"), s.lineOf("file"), "must not be empty");
      }
      return new TrackerConfig.Source(file, null);
    }
    return new TrackerConfig.Source(null, httpUrl(s, "url", true));
  }

  /**
   * A pool's {@code template:} written as a mapping. {@code group} is returned even if it names no
   * group; the validator reports that with the groups that exist.
   */
  TemplateSelector selector(YamlMapping m) {
    String group = m.requiredString("group");
    String version = m.nonEmptyString("version", TemplateSelector.LATEST);
    if (!version.equals(TemplateSelector.LATEST) && !VERSION.matcher(version).matches()) {
      nodes.problem(
          m.path("version"),
          m.lineOf("version"),
          "must be '"
              + TemplateSelector.LATEST
              + "' or a version such as 12 or 12.8 (got '"
              + version
              + "')");
      version = TemplateSelector.LATEST;
    }
    boolean prepared = m.bool("prepared", false);
    // Written without a value (`container:`), it means what leaving it out means: either kind.
    Boolean container = m.get("container") == null ? null : m.bool("container", false);
    return new TemplateSelector(group, version, prepared, container);
  }

  /**
   * An http:// or https:// URL. The URL is not echoed in the problem: it may carry credentials.
   *
   * @param required whether a missing or empty value is a problem (else it means "not set": null)
   */
  String httpUrl(YamlMapping m, String key, boolean required) {
    String url = m.get(key) == null ? null : m.string(key, null);
    if (url == null || url.isBlank()) {
      if (required && !nodes.problems().touched(m.path(key))) {
        nodes.problem(m.path(key), m.lineOf(key), "must not be empty");
      }
      return null;
    }
    if (!HTTP_URL.matcher(url.strip()).matches()) {
      nodes.problem(m.path(key), m.lineOf(key), "must be a URL starting with http:// or https://");
      return null;
    }
    return url.strip();
  }
}
