package dev.corral.config;

import java.util.Comparator;
import java.util.List;

/**
 * The config could not be loaded. Carries every problem found, not just the first, so a user can
 * fix a file in one pass instead of one restart per mistake.
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String sourceName;
  private final List<ConfigProblem> problems;

  /**
   * Problems are shown in source order; those without a line (whole-source problems) come first.
   */
  public ConfigException(String sourceName, List<ConfigProblem> problems) {
    super(render(sourceName, sortByLine(problems)));
    this.sourceName = sourceName;
    this.problems = sortByLine(problems);
  }

  public ConfigException(String sourceName, ConfigProblem problem) {
    this(sourceName, List.of(problem));
  }

  /** Where the config came from: a file path, {@code CORRAL_CONFIG}, or the built-in default. */
  public String sourceName() {
    return sourceName;
  }

  public List<ConfigProblem> problems() {
    return problems;
  }

  private static List<ConfigProblem> sortByLine(List<ConfigProblem> problems) {
    return problems.stream().sorted(Comparator.comparingInt(ConfigProblem::line)).toList();
  }

  private static String render(String sourceName, List<ConfigProblem> problems) {
    StringBuilder sb =
        new StringBuilder()
            .append(sourceName)
            .append(": ")
            .append(problems.size())
            .append(problems.size() == 1 ? " problem" : " problems");
    for (ConfigProblem p : problems) {
      sb.append("\n  ").append(p);
    }
    return sb.toString();
  }
}
