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
import java.time.LocalDate;
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
    assertEquals(new ServerConfig("127.0.0.1", 7070, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF),
        c.server());
    assertTrue(c.database().embedded());
    assertNull(c.database().user());
    assertNull(c.database().password());
    assertEquals(new TemporalConfig("embedded", "default", "http://localhost:8233"), c.temporal());

    assertEquals(List.of("sim"), List.copyOf(c.providers().keySet()));
    ProviderConfig sim = c.providers().get("sim");
    assertEquals("sim", sim.name());
    assertEquals("simulated", sim.type());
    assertEquals(100, sim.maxVms());
    assertEquals(10, sim.maxConcurrentClones());
    assertEquals(2, sim.maxConcurrentBuilds());
    SimulatedSettings s = assertInstanceOf(SimulatedSettings.class, sim.settings());
    assertEquals(new SecondsRange(1, 2), s.cloneSeconds());
    assertEquals(new SecondsRange(1, 2), s.bootSeconds());
    assertEquals(SecondsRange.ZERO, s.destroySeconds());
    assertEquals(SimulatedSettings.FailPercent.NONE, s.failPercent());
    assertEquals(0, s.powerOffPercent());
    assertNull(s.stateFile());
    assertEquals(SecondsRange.fixed(1), s.stepSeconds());
    assertEquals(Map.of("configure", 0.0), s.failSteps());
    assertEquals(new SecondsRange(1, 2), s.snapshotSeconds());
    assertEquals(SecondsRange.fixed(1), s.revertSeconds());
    assertEquals(SecondsRange.fixed(1), s.diskSeconds());
    assertEquals(List.of(new SimulatedSettings.SimulatedTemplate(
        "debian-12-20261120", "debian-12", "12.8", LocalDate.of(2026, 11, 20))), s.templates());

    assertEquals(Map.of("debian-12", new TemplateGroupConfig("debian-12", 30, 2, Map.of("motd", "prepared by corral"))),
        c.templateGroups());
    assertEquals(new TrackerConfig(Duration.ofMinutes(5), List.of(new TrackerConfig.Source(Path.of("./builds.yaml"), null))),
        c.tracker());

    assertEquals(2, c.pools().size());
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
    assertNull(p.selector());

    PoolConfig prepared = c.pools().get(1);
    assertEquals("debian-12-prepared", prepared.name());
    assertNull(prepared.template());
    assertEquals(new TemplateSelector("debian-12", "latest", true), prepared.selector());
    assertEquals(3, prepared.size());

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
