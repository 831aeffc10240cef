package dev.corral.config;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * One mapping of a provider's settings as written, handed to its type's {@link
 * ProviderSettingsBinder}. Reads work as everywhere else in the config: a bad value is reported at
 * its key's path and line, and reads as the default given, so that binding goes on and the user
 * sees every mistake of the file at once.
 *
 * <p>Every read asks for its key ({@link #present} and {@link #value} too; not {@link #path} or
 * {@link #lineOf}), and the keys asked for are the keys allowed: once the binder is done, each
 * written key it never asked for is reported as "unknown key", listing those it asked for in the
 * order it asked.
 */
public final class SettingsMapping {
  private final YamlNodes nodes;
  private final YamlMapping mapping;

  SettingsMapping(YamlNodes nodes, YamlMapping mapping) {
    this.nodes = nodes;
    this.mapping = mapping;
  }

  /** Where {@code key} is in the document, e.g. {@code providers.sim.clone_seconds}. */
  public String path(String key) {
    return mapping.path(key);
  }

  /** The line of the key if written, else of this mapping (where a missing key would go). */
  public int lineOf(String key) {
    return mapping.lineOf(key);
  }

  /** The key is written, even if with no value. */
  public boolean present(String key) {
    return mapping.present(key);
  }

  /**
   * Keys in file order, for a mapping whose keys are names (ports): listing them counts as asking
   * for every one, so none is reported as unknown.
   */
  public List<String> keys() {
    return mapping.keys();
  }

  /**
   * Binds the mapping under {@code key} (an empty one when absent, reported when not a mapping)
   * with {@code binder}, then reports each key in it that the binder did not ask for.
   */
  public <T> T bind(String key, Function<SettingsMapping, T> binder) {
    return mapping.bind(key, m -> binder.apply(new SettingsMapping(nodes, m)));
  }

  /** The value under {@code key}, or null when absent or written as null. */
  public SettingsValue value(String key) {
    return mapping.get(key) == null ? null : new SettingsValue(nodes, mapping.get(key), path(key));
  }

  public String string(String key, String dflt) {
    return mapping.string(key, dflt);
  }

  /** A string that must not be blank when written. */
  public String nonEmptyString(String key, String dflt) {
    return mapping.nonEmptyString(key, dflt);
  }

  /** A required string; "" when missing or unusable, after reporting it. */
  public String requiredString(String key) {
    return mapping.requiredString(key);
  }

  public int integer(String key, int dflt, int min, int max) {
    return mapping.integer(key, dflt, min, max);
  }

  /** {@code true} or {@code false}. */
  public boolean bool(String key, boolean dflt) {
    return mapping.bool(key, dflt);
  }

  /** A number from 0 to 100; 0 when left out. */
  public double percent(String key) {
    return mapping.percent(key);
  }

  public Path filePath(String key, Path dflt) {
    return mapping.filePath(key, dflt);
  }

  /** Reports a problem at {@code key}'s path and line. */
  public void problem(String key, String message) {
    nodes.problem(path(key), lineOf(key), message);
  }
}
