package dev.corral.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the running config came from, kept so that a reload reads the same place again: a file is
 * read anew, inline YAML and the built-in default give the same config every time. {@code ${VAR}}
 * values come from the environment captured at start-up.
 *
 * @param file the config file, or null
 * @param inlineYaml the YAML text of {@code CORRAL_CONFIG}, or null
 * @param origin how the file was named (e.g. "given by --config"), for messages
 */
public record ConfigSource(Path file, String inlineYaml, String origin, Map<String, String> env) {

  public ConfigSource {
    env = env == null ? Map.of() : Map.copyOf(env);
  }

  public static ConfigSource file(Path file, Map<String, String> env) {
    return file(file, null, env);
  }

  static ConfigSource file(Path file, String origin, Map<String, String> env) {
    return new ConfigSource(file, null, origin, env);
  }

  static ConfigSource inline(String yaml, String origin, Map<String, String> env) {
    return new ConfigSource(null, yaml, origin, env);
  }

  public static ConfigSource builtIn(Map<String, String> env) {
    return new ConfigSource(null, null, ConfigLoader.DEFAULT_SOURCE_NAME, env);
  }

  /** Reads, binds and validates the source; a {@link ConfigException} lists every problem. */
  public CorralConfig load() {
    if (file != null) {
      return ConfigLoader.readFile(file, origin, env);
    }
    if (inlineYaml != null) {
      return ConfigLoader.fromYaml(inlineYaml, origin, env);
    }
    return ConfigLoader.embeddedDefault(env);
  }

  /**
   * Whether reading again can give a different config: only a file can change while Corral runs.
   */
  public boolean rereadable() {
    return file != null;
  }

  /** For messages and replies: the file's path, or where the text came from. */
  public String describe() {
    return file != null ? file.toString() : origin;
  }
}
