package dev.corral.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;

/** Shared helpers: load YAML text, or expect it to fail and pick out problems by path. */
public final class TestConfigs {
  public static final String SOURCE = "test.yaml";

  private TestConfigs() {}

  public static CorralConfig load(String yaml) {
    return load(yaml, Map.of());
  }

  public static CorralConfig load(String yaml, Map<String, String> env) {
    return ConfigLoader.fromYaml(yaml, SOURCE, env);
  }

  public static ConfigException failure(String yaml) {
    return failure(yaml, Map.of());
  }

  public static ConfigException failure(String yaml, Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(yaml, env));
  }

  /** The one problem at {@code path}; fails with the whole report if there is none or several. */
  public static ConfigProblem problemAt(ConfigException e, String path) {
    List<ConfigProblem> at = e.problems().stream().filter(p -> p.path().equals(path)).toList();
    if (at.size() != 1) {
      fail("expected one problem at " + path + " but got " + at.size() + ":\n" + e.getMessage());
    }
    return at.get(0);
  }
}
