package dev.corral.config;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One value of a provider's settings (a scalar, a list or a mapping) with its path and line, for
 * settings that {@link SettingsMapping}'s keyed reads do not cover. Like them, a read of the wrong
 * kind of value is reported and gives null.
 */
public final class SettingsValue {
  private final YamlNodes nodes;
  private final Node node;
  private final String path;

  SettingsValue(YamlNodes nodes, Node node, String path) {
    this.nodes = nodes;
    this.node = node;
    this.path = path;
  }

  public String path() {
    return path;
  }

  public int line() {
    return YamlNodes.line(node);
  }

  /** "a mapping", "a list", "a single value" or "nothing", for messages. */
  public String kind() {
    return YamlNodes.kind(node);
  }

  public boolean isMapping() {
    return node instanceof MappingNode;
  }

  public boolean isList() {
    return node instanceof SequenceNode;
  }

  /** A number from {@code min} to {@code max}, or null (reported). */
  public Double number(double min, double max) {
    return nodes.number(node, path, min, max);
  }

  /** A date written YYYY-MM-DD, or null (reported). */
  public LocalDate date() {
    return nodes.date(node, path);
  }

  /**
   * The items, each with its own path ({@code templates[2]}); null (reported) when this is not a
   * list.
   */
  public List<SettingsValue> list(String what) {
    List<Node> items = nodes.list(node, path, what);
    if (items == null) {
      return null;
    }
    List<SettingsValue> values = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      values.add(new SettingsValue(nodes, items.get(i), SourceLines.item(path, i)));
    }
    return values;
  }

  /**
   * Binds this value as a mapping (an empty one, reported, when it is not one) with {@code binder},
   * then reports each key in it that the binder did not ask for.
   */
  public <T> T bind(Function<SettingsMapping, T> binder) {
    return nodes.bind(node, path, line(), m -> binder.apply(new SettingsMapping(nodes, m)));
  }

  /** Reports a problem at this value's path and line. */
  public void problem(String message) {
    nodes.problem(path, line(), message);
  }
}
