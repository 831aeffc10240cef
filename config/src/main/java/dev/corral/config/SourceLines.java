package dev.corral.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Remembers the source line of every path the binder read, so that the validator, which works on
 * the typed records, can still point at a line. Paths look like {@code pools[0].alias[1]}.
 */
final class SourceLines {
  private final Map<String, Integer> lines = new HashMap<>();

  static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  static String item(String path, int index) {
    return path + "[" + index + "]";
  }

  /** {@code pools[0].alias[1]} → {@code pools[0].alias} → {@code pools[0]} → {@code pools} → "". */
  static String parent(String path) {
    if (path.endsWith("]")) {
      return path.substring(0, path.lastIndexOf('['));
    }
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  static boolean isWithin(String path, String ancestor) {
    return path.equals(ancestor)
        || ancestor.isEmpty()
        || path.startsWith(ancestor + ".")
        || path.startsWith(ancestor + "[");
  }

  void record(String path, int line) {
    lines.putIfAbsent(path, line);
  }

  boolean knows(String path) {
    return lines.containsKey(path);
  }

  /**
   * The line of the path, or of its nearest written ancestor (a defaulted key points at its
   * section).
   */
  int lineOf(String path) {
    for (String p = path; ; p = parent(p)) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      if (p.isEmpty()) {
        return 0;
      }
    }
  }

  /**
   * The path of item {@code index} of a value that may be written as a list or as a single scalar:
   * {@code alias[1]} when it was a list, plain {@code alias} when it was one string.
   */
  String itemOrSelf(String path, int index) {
    String item = item(path, index);
    return knows(item) ? item : path;
  }
}
