package dev.corral.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Collects problems while a config is bound and validated, so that all of them are reported at once.
 * Later checks ask {@link #touched} to stay quiet about fields that are already known to be wrong,
 * which keeps one mistake from being reported three times in different words.
 */
final class Problems {
  // A set: a value reached twice (YAML aliases, merges) must not produce the same line twice.
  private final Set<ConfigProblem> problems = new LinkedHashSet<>();

  void add(String path, int line, String message) {
    problems.add(new ConfigProblem(path, line, message));
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
