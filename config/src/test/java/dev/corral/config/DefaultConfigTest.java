package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DefaultConfigTest {

  @Test
  void builtInFileAgreesWithTheDefaultsForOmittedKeys() {
    assertEquals(ConfigLoader.embeddedDefault(Map.of()), load(""));
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
