package dev.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceOrderTest {
  @TempDir Path dir;
  Path argFile;
  Path envFile;
  static final String INLINE = "server: {port: 2222}";

  @BeforeEach
  void writeFiles() throws IOException {
    argFile = Files.writeString(dir.resolve("arg.yaml"), "server: {port: 1111}");
    envFile = Files.writeString(dir.resolve("env.yaml"), "server: {port: 3333}");
  }

  private static int port(String[] args, Map<String, String> env) {
    return ConfigLoader.load(args, env).server().port();
  }

  @Test
  void configArgumentBeatsEverything() {
    Map<String, String> env =
        Map.of("CORRAL_CONFIG", INLINE, "CORRAL_CONFIG_FILE", envFile.toString());

    assertEquals(1111, port(new String[] {"--verbose", "--config", argFile.toString()}, env));
    assertEquals(1111, port(new String[] {"--config=" + argFile}, env));
  }

  @Test
  void inlineConfigBeatsConfigFileVariable() {
    assertEquals(
        2222,
        port(
            new String[0],
            Map.of("CORRAL_CONFIG", INLINE, "CORRAL_CONFIG_FILE", envFile.toString())));
  }

  @Test
  void configFileVariableBeatsTheDefault() {
    assertEquals(3333, port(new String[0], Map.of("CORRAL_CONFIG_FILE", envFile.toString())));
  }

  @Test
  void withNoSourceTheBuiltInDefaultIsUsed() {
    assertEquals(7070, port(new String[0], Map.of()));
    assertEquals(7070, port(null, null));
    assertEquals(7070, port(new String[0], Map.of("CORRAL_CONFIG", " ", "CORRAL_CONFIG_FILE", "")));
  }

  @Test
  void missingConfigFileIsAClearError() {
    Path missing = dir.resolve("nope.yaml");

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    new String[] {"--config", missing.toString()},
                    Map.of("CORRAL_CONFIG", INLINE)));

    assertEquals(missing.toString(), e.sourceName());
    assertEquals(1, e.problems().size());
    assertTrue(
        e.getMessage()
            .contains(
                "config file not found: " + missing.toAbsolutePath() + " (given by --config)"),
        e.getMessage());
  }

  @Test
  void missingFileFromVariableNamesTheVariable() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigLoader.load(
                    new String[0], Map.of("CORRAL_CONFIG_FILE", "/no/such/corral.yaml")));

    assertTrue(e.getMessage().contains("/no/such/corral.yaml"), e.getMessage());
    assertTrue(e.getMessage().contains("CORRAL_CONFIG_FILE"), e.getMessage());
  }

  @Test
  void configFlagWithoutFileIsAnError() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.load(new String[] {"--config"}, Map.of()));

    assertTrue(e.getMessage().contains("--config needs a file name"), e.getMessage());
  }

  @Test
  void problemsInAFileAreReportedUnderItsName() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "server:\n  port: -5\n");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.fromFile(bad, Map.of()));

    assertEquals(
        bad + ": 1 problem\n  line 2: server.port: must be between 0 and 65535 (got -5)",
        e.getMessage());
  }

  @Test
  void inlineConfigProblemsNameTheVariable() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(new String[0], Map.of("CORRAL_CONFIG", "server: {port: x}")));

    assertEquals("CORRAL_CONFIG", e.sourceName());
  }

  @Test
  void fileVariableAlsoFeedsSubstitution() throws IOException {
    Path file = Files.writeString(dir.resolve("sub.yaml"), "server: {port: \"${PORT}\"}");

    assertEquals(4444, port(new String[] {"--config", file.toString()}, Map.of("PORT", "4444")));
  }
}
