package dev.corral.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Finds the config source, parses it, and binds and validates it in one pass that reports every
 * problem.
 *
 * <p>Sources, first match wins: {@code --config FILE} (or {@code --config=FILE}) on the command
 * line, inline YAML in {@code CORRAL_CONFIG}, a file named by {@code CORRAL_CONFIG_FILE}, and
 * finally the built-in {@code corral-default.yaml}. The environment is only ever read through the
 * map passed in, which keeps tests hermetic and makes this class the one place that knows about
 * these variables.
 */
public final class ConfigLoader {
  public static final String CONFIG_ARG = "--config";
  public static final String CONFIG_ENV = "CORRAL_CONFIG";
  public static final String CONFIG_FILE_ENV = "CORRAL_CONFIG_FILE";
  static final String DEFAULT_RESOURCE = "/dev/corral/config/corral-default.yaml";
  static final String DEFAULT_SOURCE_NAME = "built-in corral-default.yaml";

  private ConfigLoader() {}

  /**
   * Loads the config from the first source that is given. Other command-line arguments are ignored,
   * so callers can pass their whole {@code args}.
   *
   * @param env usually {@code System.getenv()}; also the source of {@code ${VAR}} values
   * @throws ConfigException listing every problem, or naming the file that could not be read
   */
  public static CorralConfig load(String[] args, Map<String, String> env) {
    return source(args, env).load();
  }

  /**
   * The first source that is given, not read yet: {@link ConfigSource#load()} reads it, and reads
   * it again on a reload.
   */
  public static ConfigSource source(String[] args, Map<String, String> env) {
    Map<String, String> e = env == null ? Map.of() : Map.copyOf(env);
    String file = configArg(args == null ? new String[0] : args);
    if (file != null) {
      return ConfigSource.file(Path.of(file), "given by " + CONFIG_ARG, e);
    }
    if (isSet(e.get(CONFIG_ENV))) {
      return ConfigSource.inline(e.get(CONFIG_ENV), CONFIG_ENV, e);
    }
    if (isSet(e.get(CONFIG_FILE_ENV))) {
      return ConfigSource.file(Path.of(e.get(CONFIG_FILE_ENV)), "given by " + CONFIG_FILE_ENV, e);
    }
    return ConfigSource.builtIn(e);
  }

  /**
   * Parses and validates YAML text.
   *
   * @param sourceName how problems name the source, e.g. a file name
   */
  public static CorralConfig fromYaml(String yamlText, String sourceName, Map<String, String> env) {
    Node root = parse(yamlText, sourceName);
    Problems problems = new Problems();
    SourceLines lines = new SourceLines();
    YamlNodes nodes = new YamlNodes(problems, lines, new EnvSubstitution(env));
    CorralConfig config = new ConfigBinder(nodes).bind(root);
    new ConfigValidator(problems, lines).validate(config);
    problems.throwIfAny(sourceName);
    return config;
  }

  public static CorralConfig fromFile(Path file, Map<String, String> env) {
    return readFile(file, null, env);
  }

  /** The built-in config used when none is given: one simulated provider and two demo pools. */
  public static CorralConfig embeddedDefault(Map<String, String> env) {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return fromYaml(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_SOURCE_NAME, env);
    } catch (IOException ex) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, ex);
    }
  }

  /**
   * The value of the last {@code --config}, or null; a flag without a file is an error, not "no
   * config".
   */
  private static String configArg(String[] args) {
    String file = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith(CONFIG_ARG + "=")) {
        file = arg.substring(CONFIG_ARG.length() + 1);
      } else if (arg.equals(CONFIG_ARG)) {
        file = i + 1 < args.length && !args[i + 1].startsWith("--") ? args[++i] : "";
      } else {
        continue;
      }
      if (file.isBlank()) {
        throw new ConfigException(
            "command line", new ConfigProblem("", 0, CONFIG_ARG + " needs a file name"));
      }
    }
    return file;
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }

  static CorralConfig readFile(Path file, String origin, Map<String, String> env) {
    String name = file.toString();
    String suffix = origin == null ? "" : " (" + origin + ")";
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException ex) {
      throw new ConfigException(
          name,
          new ConfigProblem("", 0, "config file not found: " + file.toAbsolutePath() + suffix));
    } catch (CharacterCodingException ex) {
      throw new ConfigException(
          name, new ConfigProblem("", 0, "config file is not valid UTF-8" + suffix));
    } catch (IOException ex) {
      String why = Files.isDirectory(file) ? "is a directory" : ex.toString();
      throw new ConfigException(
          name,
          new ConfigProblem(
              "", 0, "cannot read config file " + file.toAbsolutePath() + ": " + why + suffix));
    }
    // Editors on Windows like to start UTF-8 files with a byte order mark.
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    return fromYaml(text, name, env);
  }

  /**
   * Composes the node tree only: no objects are constructed from it, so tags cannot instantiate
   * arbitrary types, and every node keeps its position for problem reports.
   */
  private static Node parse(String yamlText, String sourceName) {
    LoaderOptions options = new LoaderOptions();
    try {
      return new Yaml(new SafeConstructor(options))
          .compose(new StringReader(yamlText == null ? "" : yamlText));
    } catch (MarkedYAMLException ex) {
      throw new ConfigException(sourceName, syntaxProblem(ex));
    } catch (YAMLException ex) {
      throw new ConfigException(
          sourceName, new ConfigProblem("", 0, "not valid YAML: " + ex.getMessage()));
    }
  }

  private static ConfigProblem syntaxProblem(MarkedYAMLException ex) {
    Mark problemMark = ex.getProblemMark() != null ? ex.getProblemMark() : ex.getContextMark();
    int line = problemMark == null ? 0 : problemMark.getLine() + 1;
    String problem = ex.getProblem() == null ? "invalid YAML" : ex.getProblem().strip();
    String context = "";
    if (ex.getContext() != null) {
      // SnakeYAML splits sentences like "expected a single document" / "but found another
      // document".
      problem = problem.startsWith("but ") ? problem.substring(4) : problem;
      Mark contextMark = ex.getContextMark();
      context =
          ex.getContext().strip()
              + (contextMark == null ? "" : " (line " + (contextMark.getLine() + 1) + ")")
              + ": ";
    }
    return new ConfigProblem("", line, "YAML syntax error: " + context + problem);
  }
}
