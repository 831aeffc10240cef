package dev.corral.config;

/**
 * One thing wrong with a config source.
 *
 * @param path where in the document, e.g. {@code pools[0].size}; empty for problems with the whole
 *     source
 * @param line 1-based line in the YAML source, or 0 when the problem has no place in it (e.g. a
 *     missing file)
 * @param message what is wrong, phrased to follow the path
 */
public record ConfigProblem(String path, int line, String message) {

  public ConfigProblem {
    path = path == null ? "" : path;
  }

  /**
   * Renders as {@code line 12: pools[0].size: must be at least 0 (got -1)}, leaving out empty
   * parts.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (line > 0) {
      sb.append("line ").append(line).append(": ");
    }
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }
}
