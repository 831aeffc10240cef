package dev.corral.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects problems while a config is bound and validated, so that all of them are reported at
 * once. Later checks ask {@link #touched} to stay quiet about fields that are already known to be
 * wrong, which keeps one mistake from being reported three times in different words.
 */
final class Problems {
  private final List<ConfigProblem> problems = new ArrayList<>();
  // A value reached twice (YAML aliases, merges) must not produce the same line twice.
  private final Set<ConfigProblem> seen = new HashSet<>();

  void add(String path, int line, String message) {
    addAt(problems.size(), path, line, message);
  }

  /** Where the next problem goes; {@link #addAt} can later put one there. */
  int mark() {
    return problems.size();
  }

  /**
   * Adds a problem before those found since {@code mark}. Unknown keys are only known once a
   * mapping has been read, but a misspelt key is often the cause of its mapping's other problems,
   * so on a shared line it comes first. A mark stays right while problems are only added at or
   * after it, so nested mappings use theirs innermost first.
   *
   * @return false if the same problem was already there
   */
  boolean addAt(int mark, String path, int line, String message) {
    ConfigProblem problem = new ConfigProblem(path, line, message);
    if (!seen.add(problem)) {
      return false;
    }
    problems.add(mark, problem);
    return true;
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  /** True if there is a problem exactly at this path (the value itself was unusable). */
  boolean at(String path) {
    return problems.stream().anyMatch(p -> p.path().equals(path));
  }

  /** True if there is a problem at this path or anywhere below it. */
  boolean touched(String path) {
    return problems.stream().anyMatch(p -> SourceLines.isWithin(p.path(), path));
  }

  void throwIfAny(String sourceName) {
    if (!problems.isEmpty()) {
      throw new ConfigException(sourceName, new ArrayList<>(problems));
    }
  }
}
