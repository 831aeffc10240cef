package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultConfigTest {

  @Test
  void noConfigAtAllGivesTheSimProviderAndTwoDemoPools() {
    CorralConfig c = ConfigLoader.load(new String[0], Map.of());

    assertEquals(Path.of("./.corral"), c.dataDir());
    assertEquals(new ServerConfig("127.0.0.1", 7070, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF),
        c.server());
    assertTrue(c.database().embedded());
    assertTrue(c.temporal().embedded());
    assertEquals("default", c.temporal().namespace());

    assertEquals(List.of("sim"), List.copyOf(c.providers().keySet()));
    ProviderConfig sim = c.providers().get("sim");
    assertEquals(new ProviderConfig("sim", "simulated", 100, 10, new SimulatedSettings(
        new SecondsRange(1, 2), new SecondsRange(1, 2), SecondsRange.ZERO,
        SimulatedSettings.FailPercent.NONE, 0, null)), sim);

    assertEquals(List.of(
        new PoolConfig("debian-12-x86_64", List.of("debian-12-64"), "debian-12-base", List.of("sim"), 5,
            Duration.ofMinutes(60), Duration.ofMinutes(15), 3, Duration.ofHours(2), Duration.ofHours(48), null,
            PoolLeasing.DEFAULT, null, null),
        new PoolConfig("fedora-40-x86_64", List.of("fedora-40-64"), "fedora-40-base", List.of("sim"), 3,
            Duration.ofMinutes(60), Duration.ofMinutes(15), 3, Duration.ofHours(2), Duration.ofHours(48), null,
            PoolLeasing.DEFAULT, null, null)),
        c.pools());

    assertEquals(Map.of(), c.templateGroups());
    assertEquals(TrackerConfig.NONE, c.tracker());
  }

  @Test
  void builtInFileAgreesWithTheDefaultsForOmittedKeys() {
    assertEquals(ConfigLoader.embeddedDefault(Map.of()), load(""));
  }

  @Test
  void demoPoolsUseWhateverProvidersAreConfigured() {
    CorralConfig c = load("providers: {lab: {type: simulated, max_vms: 3}}");

    assertEquals(List.of("debian-12-x86_64", "fedora-40-x86_64"), c.pools().stream().map(PoolConfig::name).toList());
    assertEquals(List.of("lab"), c.pools().get(0).providers());
    assertEquals(List.of("lab"), c.pools().get(1).providers());
    assertEquals(3, c.providers().get("lab").maxVms());
    assertInstanceOf(SimulatedSettings.class, c.providers().get("lab").settings());
  }

  @Test
  void demoPoolsWithoutAnyProviderIsAProblem() {
    ConfigException e = failure("providers: {}\n");

    ConfigProblem p = TestConfigs.problemAt(e, "providers");
    assertEquals(1, p.line());
    assertTrue(p.message().contains("demo pools"), p.message());
  }

  @Test
  void noProvidersAndNoPoolsIsAllowed() {
    CorralConfig c = load("providers: {}\npools: []\n");

    assertTrue(c.providers().isEmpty());
    assertTrue(c.pools().isEmpty());
  }
}
