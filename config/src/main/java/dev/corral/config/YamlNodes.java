package dev.corral.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed reads from SnakeYAML nodes, each tied to a path and a line.
 *
 * <p>Scalars are read from their text after {@code ${VAR}} expansion, not from the type SnakeYAML
 * resolved: {@code port: ${PORT:-7070}} is a string to YAML but must still read as a number. On a
 * bad value a read records a problem and returns null; callers fall back to a default and carry on,
 * so that every mistake in the file is found in one pass.
 */
final class YamlNodes {
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
  private static final Pattern DECIMAL =
      Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  // What YAML 1.1 (SnakeYAML) reads as a boolean, so prepared: yes means what it says.
  private static final List<String> TRUE = List.of("true", "yes", "on");
  private static final List<String> FALSE = List.of("false", "no", "off");

  private final Problems problems;
  private final SourceLines lines;
  private final EnvSubstitution env;

  YamlNodes(Problems problems, SourceLines lines, EnvSubstitution env) {
    this.problems = problems;
    this.lines = lines;
    this.env = env;
  }

  Problems problems() {
    return problems;
  }

  SourceLines lines() {
    return lines;
  }

  void problem(String path, int line, String message) {
    problems.add(path, line, message);
  }

  static int line(Node node) {
    return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  /**
   * {@code key:}, {@code key: ~} and {@code key: null} all mean "not given". A quoted "null" is a
   * string.
   */
  static boolean isNull(Node node) {
    return node == null || (node instanceof ScalarNode && Tag.NULL.equals(node.getTag()));
  }

  static String kind(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return isNull(node) ? "nothing" : "a single value";
  }

  /**
   * Binds a mapping with {@code binder}, then reports every key in it that the binder did not ask
   * for as unknown. {@code line} is where the mapping is introduced (the line of its key, or of its
   * list item); a missing key inside it is reported there. Absent or null binds an empty mapping;
   * anything else that is not a mapping is reported, and also binds an empty one.
   */
  <T> T bind(Node node, String path, int line, Function<YamlMapping, T> binder) {
    YamlMapping m = open(node, path, line);
    int mark = problems.mark();
    T bound = binder.apply(m);
    m.reportUnknownKeys(mark);
    return bound;
  }

  private YamlMapping open(Node node, String path, int line) {
    lines.record(path, line);
    if (isNull(node)) {
      return YamlMapping.empty(this, path, line);
    }
    if (node instanceof MappingNode m) {
      return YamlMapping.of(this, path, line, m);
    }
    problem(path, line(node), "expected a mapping, got " + kind(node));
    return YamlMapping.empty(this, path, line);
  }

  /**
   * The items of a list, with each item's line recorded; null (and a problem) if it is not a list.
   */
  List<Node> list(Node node, String path, String what) {
    lines.record(path, line(node));
    if (!(node instanceof SequenceNode seq)) {
      problem(path, line(node), "expected " + what + ", got " + kind(node));
      return null;
    }
    List<Node> items = seq.getValue();
    for (int i = 0; i < items.size(); i++) {
      lines.record(SourceLines.item(path, i), line(items.get(i)));
    }
    return items;
  }

  /** The expanded text of a scalar, or null (and a problem) if it is not one. */
  String text(Node node, String path, String expected) {
    if (!(node instanceof ScalarNode scalar) || isNull(node)) {
      problem(path, line(node), "expected " + expected + ", got " + kind(node));
      return null;
    }
    return env.expand(scalar.getValue(), path, line(node), problems);
  }

  String string(Node node, String path) {
    return text(node, path, "a string");
  }

  Integer integer(Node node, String path, int min, int max) {
    String text = text(node, path, "a whole number");
    if (text == null) {
      return null;
    }
    String t = text.strip();
    if (!INTEGER.matcher(t).matches()) {
      problem(path, line(node), "expected a whole number (got '" + text + "')");
      return null;
    }
    BigInteger value = new BigInteger(t);
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      problem(
          path, line(node), rangeMessage(min, max, max == Integer.MAX_VALUE) + " (got " + t + ")");
      return null;
    }
    return value.intValueExact();
  }

  Double number(Node node, String path, double min, double max) {
    String text = text(node, path, "a number");
    if (text == null) {
      return null;
    }
    String t = text.strip();
    if (!DECIMAL.matcher(t).matches()) {
      problem(path, line(node), "expected a number (got '" + text + "')");
      return null;
    }
    double value = new BigDecimal(t).doubleValue();
    if (value < min || value > max) {
      problem(
          path,
          line(node),
          rangeMessage(plain(min), plain(max), max == Double.MAX_VALUE) + " (got " + t + ")");
      return null;
    }
    return value;
  }

  /**
   * {@code true} or {@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}, any case).
   */
  Boolean bool(Node node, String path) {
    String text = text(node, path, "true or false");
    if (text == null) {
      return null;
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (TRUE.contains(t)) {
      return true;
    }
    if (FALSE.contains(t)) {
      return false;
    }
    problem(path, line(node), "expected true or false (got '" + text + "')");
    return null;
  }

  /**
   * A calendar date written YYYY-MM-DD. Read from the text, so it does not matter that YAML tags
   * such a scalar as a timestamp.
   */
  LocalDate date(Node node, String path) {
    String text = text(node, path, "a date (YYYY-MM-DD)");
    if (text == null) {
      return null;
    }
    String t = text.strip();
    if (DATE.matcher(t).matches()) {
      try {
        return LocalDate.parse(t);
      } catch (DateTimeException e) {
        problem(path, line(node), "not a valid date (got '" + text + "')");
        return null;
      }
    }
    problem(path, line(node), "expected a date YYYY-MM-DD (got '" + text + "')");
    return null;
  }

  /** A duration that must be greater than zero: a zero timeout or lifetime is always a mistake. */
  Duration positiveDuration(Node node, String path) {
    String text = text(node, path, "a duration (" + Durations.FORMS + ")");
    if (text == null) {
      return null;
    }
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      problem(path, line(node), e.getMessage());
      return null;
    }
    if (d.isNegative() || d.isZero()) {
      problem(path, line(node), "must be greater than 0 (got " + text.strip() + ")");
      return null;
    }
    return d;
  }

  Path path(Node node, String path) {
    String text = text(node, path, "a path");
    if (text == null) {
      return null;
    }
    if (text.isBlank()) {
      problem(path, line(node), "must not be empty");
      return null;
    }
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      problem(path, line(node), "not a valid path: " + e.getReason());
      return null;
    }
  }

  /**
   * One string or a list of strings; items get their own paths ({@code alias[1]}). Null (and
   * problems) if any item is unusable.
   */
  List<String> strings(Node node, String path) {
    if (node instanceof ScalarNode) {
      lines.record(path, line(node));
      String s = string(node, path);
      return s == null ? null : List.of(s);
    }
    List<Node> items = list(node, path, "a string or a list of strings");
    if (items == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < items.size(); i++) {
      String s = string(items.get(i), SourceLines.item(path, i));
      ok &= s != null;
      out.add(s);
    }
    return ok ? out : null;
  }

  private static String rangeMessage(Object min, Object max, boolean noUpperBound) {
    return noUpperBound ? "must be at least " + min : "must be between " + min + " and " + max;
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
