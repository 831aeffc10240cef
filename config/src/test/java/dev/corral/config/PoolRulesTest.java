package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolRulesTest {

  @Test
  void aliasMayBeOneStringOrAList() {
    CorralConfig c =
        load(
            """
        pools:
          - {name: a, template: t, alias: a-one}
          - {name: b, template: t, alias: [b-one, b-two]}
          - {name: c, template: t}
        """);

    assertEquals(List.of("a-one"), c.pools().get(0).alias());
    assertEquals(List.of("b-one", "b-two"), c.pools().get(1).alias());
    assertEquals(List.of(), c.pools().get(2).alias());
    assertEquals("b", c.poolByNameOrAlias("b-two").orElseThrow().name());
  }

  @Test
  void omittedKeysTakeTheirDefaults() {
    PoolConfig p = load("pools: [{name: p, template: t}]").pools().get(0);

    assertEquals(
        new PoolConfig(
            "p",
            List.of(),
            "t",
            List.of("sim"),
            1,
            Duration.ofMinutes(60),
            Duration.ofMinutes(15),
            3,
            Duration.ofHours(2),
            Duration.ofHours(48),
            null,
            PoolLeasing.DEFAULT,
            null,
            null),
        p);
  }

  @Test
  void vmShape_isThePoolsWhenWritten_andTheProvidersOtherwise_andBoundsAreProblems() {
    CorralConfig c =
        load("pools: [{name: big, template: t, memory_mb: 512, cpus: 2}, {name: p, template: t}]");
    assertEquals(512, c.pools().get(0).memoryMb());
    assertEquals(2, c.pools().get(0).cpus());
    assertEquals(null, c.pools().get(1).memoryMb(), "null: the provider's memory_mb");
    assertEquals(null, c.pools().get(1).cpus());

    ConfigException e =
        TestConfigs.failure("pools: [{name: p, template: t, memory_mb: 16, cpus: 0}]");
    assertEquals(1, problemAt(e, "pools[0].memory_mb").line());
    assertEquals(1, problemAt(e, "pools[0].cpus").line());
  }

  @Test
  void poolsDefaultToAllProvidersInFileOrder() {
    CorralConfig c =
        load(
            """
        providers:
          zeta: {type: simulated}
          alpha: {type: simulated}
        pools:
          - {name: p, template: t}
          - {name: q, template: t, providers: [alpha]}
        """);

    assertEquals(List.of("zeta", "alpha"), c.pools().get(0).providers());
    assertEquals(List.of("alpha"), c.pools().get(1).providers());
  }

  @Test
  void explicitEmptyListMeansNoPools() {
    assertEquals(List.of(), load("pools: []").pools());
  }

  @Test
  void duplicatePoolNamesAreProblems() {
    ConfigException e =
        failure(
            """
        pools:
          - name: debian
            template: t
          - name: debian
            template: u
        """);

    assertEquals(
        new ConfigProblem(
            "pools[1].name", 4, "duplicate pool name 'debian' (also pools[0] at line 2)"),
        problemAt(e, "pools[1].name"));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void aliasClashingWithAPoolNameIsAProblem() {
    ConfigException e =
        failure(
            """
        pools:
          - name: debian
            template: t
          - name: fedora
            alias: [fed, debian]
            template: t
        """);

    ConfigProblem p = problemAt(e, "pools[1].alias[1]");
    assertEquals(5, p.line());
    assertEquals("alias 'debian' is already the name of pools[0] at line 2", p.message());
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void aliasUsedTwiceIsAProblem() {
    ConfigException e =
        failure(
            """
        pools:
          - {name: a, template: t, alias: shared}
          - {name: b, template: t, alias: [shared]}
          - {name: c, template: t, alias: [c1, c1]}
        """);

    assertEquals(
        new ConfigProblem(
            "pools[1].alias[0]", 3, "alias 'shared' is already used by pools[0] at line 2"),
        problemAt(e, "pools[1].alias[0]"));
    assertEquals(
        "alias 'c1' is already used by this pool", problemAt(e, "pools[2].alias[1]").message());
    assertEquals(2, e.problems().size(), e.getMessage());
  }

  @Test
  void unknownProviderIsAProblem() {
    ConfigException e =
        failure(
            """
        pools:
          - name: p
            template: t
            providers:
              - sim
              - vsphere
        """);

    assertEquals(
        new ConfigProblem(
            "pools[0].providers[1]", 6, "unknown provider 'vsphere' (configured: sim)"),
        problemAt(e, "pools[0].providers[1]"));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void emptyOrRepeatedProvidersAreProblems() {
    ConfigException e =
        failure(
            """
        pools:
          - {name: p, template: t, providers: []}
          - {name: q, template: t, providers: [sim, sim]}
        """);

    assertEquals(
        "no providers to place VMs on (configured: sim)",
        problemAt(e, "pools[0].providers").message());
    assertEquals("provider 'sim' is listed twice", problemAt(e, "pools[1].providers[1]").message());
  }

  @Test
  void lifetimeLongerThanMaxLifetimeIsAProblem() {
    ConfigException e =
        failure(
            """
        pools:
          - name: p
            template: t
            lifetime: 3h
            max_lifetime: 2h
          - name: q
            template: t
            max_lifetime: 1h
        """);

    assertEquals(
        new ConfigProblem("pools[0].lifetime", 4, "lifetime 3h exceeds max_lifetime 2h"),
        problemAt(e, "pools[0].lifetime"));
    // q only wrote max_lifetime, so that is where the default lifetime's clash is reported.
    assertEquals(
        new ConfigProblem("pools[1].max_lifetime", 8, "lifetime 2h exceeds max_lifetime 1h"),
        problemAt(e, "pools[1].max_lifetime"));
  }

  @Test
  void namesAndCountsAreChecked() {
    ConfigException e =
        failure(
            """
        pools:
          - name: "bad name"
            alias: -dash
            template: ""
            max_tries: 0
          - just-a-string
        """);

    assertTrue(problemAt(e, "pools[0].name").message().endsWith("(got 'bad name')"));
    assertEquals(3, problemAt(e, "pools[0].alias").line());
    assertEquals("must not be empty", problemAt(e, "pools[0].template").message());
    assertEquals("must be at least 1 (got 0)", problemAt(e, "pools[0].max_tries").message());
    assertEquals(
        new ConfigProblem("pools[1]", 6, "expected a mapping, got a single value"),
        problemAt(e, "pools[1]"));
    assertEquals(5, e.problems().size(), e.getMessage());
  }

  @Test
  void poolsCanShareSettingsThroughYamlMerge() {
    CorralConfig c =
        load(
            """
        pools:
          - &base
            name: a
            template: shared-base
            size: 4
          - <<: *base
            name: b
        """);

    assertEquals("b", c.pools().get(1).name());
    assertEquals("shared-base", c.pools().get(1).template());
    assertEquals(4, c.pools().get(1).size());
  }
}
