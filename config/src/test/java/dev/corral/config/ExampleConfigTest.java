package dev.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleConfigTest {

  static String exampleText() throws IOException {
    try (InputStream in = ExampleConfigTest.class.getResourceAsStream("/dev/corral/config/corral-example.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void exampleFileLoadsWithEveryValueAsWritten(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("corral.yaml");
    Files.writeString(file, exampleText());

    CorralConfig c = ConfigLoader.fromFile(file, Map.of());

    assertEquals(Path.of("./.corral"), c.dataDir());
    assertEquals(new ServerConfig("127.0.0.1", 7070), c.server());
    assertTrue(c.database().embedded());
    assertNull(c.database().user());
    assertNull(c.database().password());
    assertEquals(new TemporalConfig("embedded", "default"), c.temporal());

    assertEquals(List.of("sim"), List.copyOf(c.providers().keySet()));
    ProviderConfig sim = c.providers().get("sim");
    assertEquals("sim", sim.name());
    assertEquals("simulated", sim.type());
    assertEquals(100, sim.maxVms());
    assertEquals(10, sim.maxConcurrentClones());
    SimulatedSettings s = assertInstanceOf(SimulatedSettings.class, sim.settings());
    assertEquals(new SecondsRange(1, 2), s.cloneSeconds());
    assertEquals(new SecondsRange(1, 2), s.bootSeconds());
    assertEquals(SecondsRange.ZERO, s.destroySeconds());
    assertEquals(SimulatedSettings.FailPercent.NONE, s.failPercent());
    assertEquals(0, s.powerOffPercent());
    assertNull(s.stateFile());

    assertEquals(1, c.pools().size());
    PoolConfig p = c.pools().get(0);
    assertEquals("debian-12-x86_64", p.name());
    assertEquals(List.of("debian-12-64"), p.alias());
    assertEquals("debian-12-base", p.template());
    assertEquals(List.of("sim"), p.providers());
    assertEquals(5, p.size());
    assertEquals(Duration.ofMinutes(60), p.readyTtl());
    assertEquals(Duration.ofMinutes(15), p.bootTimeout());
    assertEquals(3, p.maxTries());
    assertEquals(Duration.ofHours(2), p.lifetime());
    assertEquals(Duration.ofHours(48), p.maxLifetime());

    assertEquals(p, c.poolByNameOrAlias("debian-12-64").orElseThrow());
    assertFalse(c.poolByNameOrAlias("fedora-40-x86_64").isPresent());
  }

  @Test
  void exampleFileWithTimesInSecondsIsTheSame() throws IOException {
    String inSeconds = exampleText()
        .replace("ready_ttl: 60m", "ready_ttl: 3600")
        .replace("boot_timeout: 15m", "boot_timeout: 900s")
        .replace("lifetime: 2h", "lifetime: 7200")
        .replace("max_lifetime: 48h", "max_lifetime: 2d");

    assertEquals(TestConfigs.load(exampleText()), TestConfigs.load(inSeconds));
  }
}
