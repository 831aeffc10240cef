package dev.corral.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * One YAML mapping, read key by key. Keys are plain strings; duplicates are errors (SnakeYAML's
 * node API would silently keep both); {@code <<: *anchor} merges are applied so pools can share
 * settings. Getters that take a default return it for an absent, null or unusable value; unusable
 * values have already been reported.
 *
 * <p>The mapping remembers which keys its binder asked for (any getter, {@link #present} or {@link
 * #get}; not {@link #path} or {@link #lineOf}). A mapping opened with {@link #bind} reports the
 * keys nobody asked for as unknown once its binder is done, listing the ones asked for: what a
 * binder reads is the one list of allowed keys.
 */
final class YamlMapping {
  private final YamlNodes nodes;
  private final String path;
  private final int line;
  private final Map<String, Node> values = new LinkedHashMap<>();
  private final Map<String, Integer> keyLines = new LinkedHashMap<>();
  private final Set<String> asked = new LinkedHashSet<>();
  private boolean anyKeyAllowed;

  private YamlMapping(YamlNodes nodes, String path, int line) {
    this.nodes = nodes;
    this.path = path;
    this.line = line;
  }

  static YamlMapping empty(YamlNodes nodes, String path, int line) {
    return new YamlMapping(nodes, path, line);
  }

  static YamlMapping of(YamlNodes nodes, String path, int line, MappingNode node) {
    YamlMapping m = new YamlMapping(nodes, path, line);
    m.read(node, Collections.newSetFromMap(new IdentityHashMap<>()));
    return m;
  }

  private void read(MappingNode node, Set<Node> merging) {
    List<Node> mergeSources = new ArrayList<>();
    Map<String, Node> own = new LinkedHashMap<>();
    for (NodeTuple t : node.getValue()) {
      Node key = t.getKeyNode();
      if (key instanceof ScalarNode && Tag.MERGE.equals(key.getTag())) {
        collectMergeSources(t.getValueNode(), mergeSources);
        continue;
      }
      if (!(key instanceof ScalarNode k) || YamlNodes.isNull(key)) {
        nodes.problem(
            path, YamlNodes.line(key), "keys must be plain names, got " + YamlNodes.kind(key));
        continue;
      }
      String name = k.getValue();
      if (own.containsKey(name)) {
        nodes.problem(
            SourceLines.child(path, name),
            YamlNodes.line(key),
            "duplicate key (first at line " + keyLines.get(name) + ")");
        continue;
      }
      own.put(name, t.getValueNode());
      keyLines.put(name, YamlNodes.line(key));
    }
    values.putAll(own);
    // Explicit keys win over merged ones, and earlier merge sources over later ones (YAML merge
    // rules).
    merging.add(node);
    for (Node source : mergeSources) {
      if (!merging.contains(source)) {
        YamlMapping merged = new YamlMapping(nodes, path, YamlNodes.line(source));
        merged.read((MappingNode) source, merging);
        merged.values.forEach(values::putIfAbsent);
        merged.keyLines.forEach(keyLines::putIfAbsent);
      }
    }
    merging.remove(node);
    keyLines.forEach((k, l) -> nodes.lines().record(path(k), l));
  }

  private void collectMergeSources(Node value, List<Node> into) {
    if (value instanceof MappingNode) {
      into.add(value);
      return;
    }
    if (value instanceof SequenceNode seq
        && seq.getValue().stream().allMatch(n -> n instanceof MappingNode)) {
      into.addAll(seq.getValue());
      return;
    }
    nodes.problem(path, YamlNodes.line(value), "'<<' must merge a mapping or a list of mappings");
  }

  String path() {
    return path;
  }

  int line() {
    return line;
  }

  String path(String key) {
    return SourceLines.child(path, key);
  }

  /** The line of the key if written, else of this mapping (where a missing key would go). */
  int lineOf(String key) {
    return keyLines.getOrDefault(key, line);
  }

  /** The key is written, even if with no value. */
  boolean present(String key) {
    asked.add(key);
    return values.containsKey(key);
  }

  /** The value node, or null when absent or written as null. */
  Node get(String key) {
    asked.add(key);
    Node n = values.get(key);
    return YamlNodes.isNull(n) ? null : n;
  }

  /**
   * Keys in file order, for mappings whose keys are names (groups, ports): listing them counts as
   * asking for every one, so none is reported as unknown.
   */
  List<String> keys() {
    anyKeyAllowed = true;
    return List.copyOf(values.keySet());
  }

  /**
   * Reports none of the keys nobody asked for, for a mapping whose allowed keys are not known: a
   * provider of an unknown type, whose other keys belong to that type, so "unknown key" would bury
   * the real mistake.
   */
  void allowAnyKey() {
    anyKeyAllowed = true;
  }

  /**
   * Binds the mapping under {@code key} (an empty one if absent or null) with {@code binder}, then
   * reports the keys in it that the binder did not ask for.
   */
  <T> T bind(String key, Function<YamlMapping, T> binder) {
    return nodes.bind(get(key), path(key), lineOf(key), binder);
  }

  /**
   * Reports every written key that was not asked for, listing those that were, so a typo is easy to
   * spot. Goes at {@code mark}, where the problems found while binding this mapping begin.
   */
  void reportUnknownKeys(int mark) {
    if (anyKeyAllowed) {
      return;
    }
    String message = "unknown key (allowed: " + String.join(", ", asked) + ")";
    int at = mark;
    for (String key : values.keySet()) {
      boolean added =
          !asked.contains(key) && nodes.problems().addAt(at, path(key), lineOf(key), message);
      if (added) {
        at++; // keeps them in file order
      }
    }
  }

  String string(String key, String dflt) {
    Node n = get(key);
    if (n == null) {
      return dflt;
    }
    String s = nodes.string(n, path(key));
    return s == null ? dflt : s;
  }

  /**
   * Optional string where blank means "not set", so {@code user: ${DB_USER:-}} can switch it off.
   */
  String optionalString(String key) {
    String s = string(key, null);
    return s == null || s.isBlank() ? null : s;
  }

  String nonEmptyString(String key, String dflt) {
    Node n = get(key);
    String s = string(key, dflt);
    if (n != null && s != null && s.isBlank() && !nodes.problems().touched(path(key))) {
      nodes.problem(path(key), lineOf(key), "must not be empty");
      return dflt;
    }
    return s;
  }

  /** A required string; returns "" when missing or unusable, after reporting it. */
  String requiredString(String key) {
    if (get(key) == null) {
      nodes.problem(path(key), lineOf(key), "required key is missing");
      return "";
    }
    String s = nodes.string(get(key), path(key));
    if (s == null) {
      return "";
    }
    if (s.isBlank()) {
      nodes.problem(path(key), lineOf(key), "must not be empty");
      return "";
    }
    return s;
  }

  int integer(String key, int dflt, int min, int max) {
    Node n = get(key);
    Integer v = n == null ? null : nodes.integer(n, path(key), min, max);
    return v == null ? dflt : v;
  }

  boolean bool(String key, boolean dflt) {
    Node n = get(key);
    Boolean v = n == null ? null : nodes.bool(n, path(key));
    return v == null ? dflt : v;
  }

  double number(String key, double dflt, double min, double max) {
    Node n = get(key);
    Double v = n == null ? null : nodes.number(n, path(key), min, max);
    return v == null ? dflt : v;
  }

  double percent(String key) {
    return number(key, 0, 0, 100);
  }

  Duration duration(String key, Duration dflt) {
    Node n = get(key);
    Duration v = n == null ? null : nodes.positiveDuration(n, path(key));
    return v == null ? dflt : v;
  }

  Path filePath(String key, Path dflt) {
    Node n = get(key);
    Path v = n == null ? null : nodes.path(n, path(key));
    return v == null ? dflt : v;
  }

  List<String> strings(String key, List<String> dflt) {
    Node n = get(key);
    List<String> v = n == null ? null : nodes.strings(n, path(key));
    return v == null ? dflt : v;
  }
}
