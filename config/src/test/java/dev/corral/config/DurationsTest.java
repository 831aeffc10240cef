package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  void parsesEveryUnitAndPlainSeconds() {
    assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    assertEquals(Duration.ofMinutes(15), Durations.parse("15m"));
    assertEquals(Duration.ofHours(2), Durations.parse("2h"));
    assertEquals(Duration.ofDays(1), Durations.parse("1d"));
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofSeconds(30), Durations.parse("30"));
    assertEquals(Duration.ofMillis(1500), Durations.parse("1.5"));
    assertEquals(Duration.ofMinutes(90), Durations.parse("1.5h"));
    assertEquals(Duration.ofSeconds(90), Durations.parse(" 90 s "));
  }

  @Test
  void parsesNumbersAsSeconds() {
    assertEquals(Duration.ofSeconds(30), Durations.parse((Object) 30));
    assertEquals(Duration.ofSeconds(30), Durations.parse((Object) 30L));
    assertEquals(Duration.ofMillis(1500), Durations.parse((Object) 1.5));
    assertEquals(Duration.ofMinutes(15), Durations.parse((Object) "15m"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"soon", "", "15 minutes", "1h30m", "m", "1.h", "NaN"})
  void rejectsWhatIsNotADuration(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertTrue(e.getMessage().contains("not a duration"), e.getMessage());
  }

  @Test
  void formatsAsTheShortestWholeForm() {
    assertEquals("2h", Durations.format(Duration.ofHours(2)));
    assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("15m", Durations.format(Duration.ofMinutes(15)));
    assertEquals("2d", Durations.format(Duration.ofHours(48)));
    assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
    assertEquals("1500ms", Durations.format(Duration.ofMillis(1500)));
    assertEquals("0s", Durations.format(Duration.ZERO));
    assertEquals("0.0000015s", Durations.format(Duration.ofNanos(1500)));
  }

  @ParameterizedTest
  @ValueSource(
      longs = {
        1,
        999,
        1_000_000,
        90_000_000_000L,
        3_600_000_000_000L,
        86_400_000_000_001L,
        -60_000_000_000L
      })
  void formatRoundTrips(long nanos) {
    Duration d = Duration.ofNanos(nanos);
    assertEquals(d, Durations.parse(Durations.format(d)));
  }

  @Test
  void durationKeysAcceptEveryForm() {
    PoolConfig p =
        load("""
        pools:
          - name: p
            template: t
            ready_ttl: 30
            boot_timeout: 1.5
            lifetime: 500ms
            max_lifetime: 1d
        """)
            .pools()
            .get(0);

    assertEquals(Duration.ofSeconds(30), p.readyTtl());
    assertEquals(Duration.ofMillis(1500), p.bootTimeout());
    assertEquals(Duration.ofMillis(500), p.lifetime());
    assertEquals(Duration.ofDays(1), p.maxLifetime());
  }

  @Test
  void badDurationIsAProblemNamingTheKey() {
    ConfigException e =
        failure(
            """
        pools:
          - name: p
            template: t
            lifetime: soon
            boot_timeout: 0
            ready_ttl: -5m
        """);

    ConfigProblem p = problemAt(e, "pools[0].lifetime");
    assertEquals(4, p.line());
    assertTrue(p.message().startsWith("not a duration: 'soon'"), p.message());
    assertEquals("must be greater than 0 (got 0)", problemAt(e, "pools[0].boot_timeout").message());
    assertEquals("must be greater than 0 (got -5m)", problemAt(e, "pools[0].ready_ttl").message());
    assertEquals(3, e.problems().size(), e.getMessage());
  }
}
