package dev.corral.activities.provider;

import static dev.corral.config.ExampleConfigTest.exampleText;
import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.ConfigProblem;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.PoolLeasing;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ServerConfig;
import dev.corral.config.TemplateGroupConfig;
import dev.corral.config.TemplateSelector;
import dev.corral.config.TemporalConfig;
import dev.corral.config.TrackerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config-module tests whose assertions need a provider's settings read, which takes its type:
 * they moved here with the provider types, grouped under the names of the config test classes they
 * came from.
 */
class ConfigWithProvidersTest {

  /** The built-in default provider and the demo pools. */
  @Nested
  class DefaultConfigTest {
    @Test
    void noConfigAtAllGivesTheSimProviderAndTwoDemoPools() {
      CorralConfig c = ConfigLoader.load(new String[0], Map.of());

      assertEquals(Path.of("./.corral"), c.dataDir());
      assertEquals(
          new ServerConfig(
              "127.0.0.1", 7070, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF),
          c.server());
      assertTrue(c.database().embedded());
      assertTrue(c.temporal().embedded());
      assertEquals("default", c.temporal().namespace());

      assertEquals(List.of("sim"), List.copyOf(c.providers().keySet()));
      ProviderConfig sim = c.providers().get("sim");
      assertEquals(
          new ProviderConfig(
              "sim",
              "simulated",
              100,
              10,
              new SimulatedSettings(
                  new SecondsRange(1, 2),
                  new SecondsRange(1, 2),
                  SecondsRange.ZERO,
                  SimulatedSettings.FailPercent.NONE,
                  0,
                  null)),
          sim);

      assertEquals(
          List.of(
              new PoolConfig(
                  "debian-12-x86_64",
                  List.of("debian-12-64"),
                  "debian-12-base",
                  List.of("sim"),
                  5,
                  Duration.ofMinutes(60),
                  Duration.ofMinutes(15),
                  3,
                  Duration.ofHours(2),
                  Duration.ofHours(48),
                  null,
                  PoolLeasing.DEFAULT,
                  null,
                  null),
              new PoolConfig(
                  "fedora-40-x86_64",
                  List.of("fedora-40-64"),
                  "fedora-40-base",
                  List.of("sim"),
                  3,
                  Duration.ofMinutes(60),
                  Duration.ofMinutes(15),
                  3,
                  Duration.ofHours(2),
                  Duration.ofHours(48),
                  null,
                  PoolLeasing.DEFAULT,
                  null,
                  null)),
          c.pools());

      assertEquals(Map.of(), c.templateGroups());
      assertEquals(TrackerConfig.NONE, c.tracker());
    }

    @Test
    void demoPoolsUseWhateverProvidersAreConfigured() {
      CorralConfig c = load("providers: {lab: {type: simulated, max_vms: 3}}");

      assertEquals(
          List.of("debian-12-x86_64", "fedora-40-x86_64"),
          c.pools().stream().map(PoolConfig::name).toList());
      assertEquals(List.of("lab"), c.pools().get(0).providers());
      assertEquals(List.of("lab"), c.pools().get(1).providers());
      assertEquals(3, c.providers().get("lab").maxVms());
      assertInstanceOf(SimulatedSettings.class, c.providers().get("lab").settings());
    }
  }

  /** corral-example.yaml, value by value. */
  @Nested
  class ExampleConfigTest {
    @Test
    void exampleFileLoadsWithEveryValueAsWritten(@TempDir Path dir) throws IOException {
      Path file = dir.resolve("corral.yaml");
      Files.writeString(file, exampleText());

      CorralConfig c = ConfigLoader.fromFile(file, Map.of());

      assertEquals(Path.of("./.corral"), c.dataDir());
      assertEquals(
          new ServerConfig(
              "127.0.0.1", 7070, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF),
          c.server());
      assertTrue(c.database().embedded());
      assertNull(c.database().user());
      assertNull(c.database().password());
      assertEquals(
          new TemporalConfig("embedded", "default", "http://localhost:8233"), c.temporal());

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
      assertEquals(
          List.of(
              new SimulatedSettings.SimulatedTemplate(
                  "debian-12-20261120", "debian-12", "12.8", LocalDate.of(2026, 11, 20))),
          s.templates());

      assertEquals(
          Map.of(
              "debian-12",
              new TemplateGroupConfig("debian-12", 30, 2, Map.of("motd", "prepared by corral"))),
          c.templateGroups());
      assertEquals(
          new TrackerConfig(
              Duration.ofMinutes(5),
              List.of(new TrackerConfig.Source(Path.of("./builds.yaml"), null))),
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
  }

  /** The simulated provider's template build settings beside template groups and the tracker. */
  @Nested
  class TemplateConfigTest {
    static final String ISSUE_YAML =
        """
        template_groups:
          debian-12:
            obsolete_days: 30
            keep_prepared: 2
            configure: {motd: "prepared by corral"}
        tracker:
          interval: 5m
          sources:
            - file: ./builds.yaml
        providers:
          sim:
            type: simulated
            step_seconds: 1
            fail_steps: {configure: 0}
            max_concurrent_builds: 2
            templates:
              - {name: debian-12-20261120, group: debian-12, version: "12.8", date: 2026-11-20}
        pools:
          - name: debian-12-prepared
            template: {group: debian-12, version: latest, prepared: true}
            providers: [sim]
            size: 3
        temporal: {address: embedded, namespace: default, ui_url: http://localhost:8233}
        """;

    @Test
    void theIssuesExampleLoadsIntoTheRecords() {
      CorralConfig c = load(ISSUE_YAML);

      assertEquals(
          Map.of(
              "debian-12",
              new TemplateGroupConfig("debian-12", 30, 2, Map.of("motd", "prepared by corral"))),
          c.templateGroups());
      assertEquals(
          new TrackerConfig(
              Duration.ofMinutes(5),
              List.of(new TrackerConfig.Source(Path.of("./builds.yaml"), null))),
          c.tracker());
      assertEquals(
          new ProviderConfig(
              "sim",
              "simulated",
              100,
              10,
              2,
              new SimulatedSettings(
                  new SecondsRange(1, 2),
                  new SecondsRange(1, 2),
                  SecondsRange.ZERO,
                  SimulatedSettings.FailPercent.NONE,
                  0,
                  null,
                  SecondsRange.fixed(1),
                  Map.of("configure", 0.0),
                  List.of(
                      new SimulatedTemplate(
                          "debian-12-20261120", "debian-12", "12.8", LocalDate.of(2026, 11, 20))))),
          c.providers().get("sim"));
      assertEquals(
          List.of(
              new PoolConfig(
                  "debian-12-prepared",
                  List.of(),
                  null,
                  List.of("sim"),
                  3,
                  Duration.ofMinutes(60),
                  Duration.ofMinutes(15),
                  3,
                  Duration.ofHours(2),
                  Duration.ofHours(48),
                  new TemplateSelector("debian-12", "latest", true),
                  PoolLeasing.DEFAULT,
                  null,
                  null)),
          c.pools());
      assertEquals(
          new TemporalConfig("embedded", "default", "http://localhost:8233"), c.temporal());
    }

    @Test
    void omittedKeysTakeTheirDefaults() {
      CorralConfig c =
          load(
              """
          template_groups:
            fedora-40:
          providers: {sim: {type: simulated}}
          pools:
            - {name: p, template: {group: fedora-40}}
          """);

      assertEquals(
          new TemplateGroupConfig(
              "fedora-40",
              TemplateGroupConfig.DEFAULT_OBSOLETE_DAYS,
              TemplateGroupConfig.DEFAULT_KEEP_PREPARED,
              Map.of()),
          c.templateGroups().get("fedora-40"));
      assertEquals(
          new TemplateSelector("fedora-40", TemplateSelector.LATEST, false),
          c.pools().get(0).selector());
      assertNull(c.pools().get(0).template());
      assertEquals(TrackerConfig.NONE, c.tracker());
      assertNull(c.temporal().uiUrl());
      ProviderConfig sim = c.providers().get("sim");
      assertEquals(ProviderConfig.DEFAULT_MAX_CONCURRENT_BUILDS, sim.maxConcurrentBuilds());
      SimulatedSettings s = (SimulatedSettings) sim.settings();
      assertEquals(SimulatedSettings.DEFAULT_STEP_SECONDS, s.stepSeconds());
      assertEquals(Map.of(), s.failSteps());
      assertEquals(List.of(), s.templates());
    }

    @Test
    void versionsKeepTheirTextAsWritten() {
      CorralConfig c =
          load(
              """
          template_groups: {debian-12: {}, win: {}}
          providers:
            sim:
              type: simulated
              templates:
                - {name: a, version: 12.10}
                - {name: b, version: 12.8, date: 2026-01-05}
                - {name: c}
          pools:
            - {name: p, template: {group: debian-12, version: 12.10}}
            - {name: q, template: {group: win, version: 5.11.0.3}}
            - {name: r, template: {group: debian-12, version: 12}}
          """);

      assertEquals(
          List.of("12.10", "5.11.0.3", "12"),
          c.pools().stream().map(p -> p.selector().version()).toList());
      assertEquals(
          List.of(
              new SimulatedTemplate("a", null, "12.10", null),
              new SimulatedTemplate("b", null, "12.8", LocalDate.of(2026, 1, 5)),
              new SimulatedTemplate("c", null, null, null)),
          ((SimulatedSettings) c.providers().get("sim").settings()).templates());
    }

    @Test
    void stepSecondsTakesARangeAndFailStepsAPercentPerStep() {
      SimulatedSettings s =
          (SimulatedSettings)
              load("""
          providers:
            sim:
              type: simulated
              step_seconds: [0.5, 3]
              fail_steps: {deploy: 5, seal: 12.5}
              max_concurrent_builds: 0
          pools: []
          """)
                  .providers()
                  .get("sim")
                  .settings();

      assertEquals(new SecondsRange(0.5, 3), s.stepSeconds());
      assertEquals(Map.of("deploy", 5.0, "seal", 12.5), s.failSteps());
      assertEquals(12.5, s.failPercentOfStep("seal"));
      assertEquals(0, s.failPercentOfStep("verify"));
    }

    @Test
    void simulatedBuildSettingsAreChecked() {
      ConfigException e =
          failure(
              """
          providers:
            sim:
              type: simulated
              max_concurrent_builds: -1
              step_seconds: [5, 1]
              fail_steps: {deploy: 101, reboot: 5}
              templates:
                - {group: debian-12}
                - {name: t, version: "", date: 2026-13-01}
                - {name: t, date: "20 Nov 2026", size: 3}
                - just-a-name
          pools: []
          """);

      assertEquals(
          new ConfigProblem(
              "providers.sim.max_concurrent_builds", 4, "must be at least 0 (got -1)"),
          problemAt(e, "providers.sim.max_concurrent_builds"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.step_seconds", 5, "min must not be greater than max (got [5, 1])"),
          problemAt(e, "providers.sim.step_seconds"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.fail_steps.deploy", 6, "must be between 0 and 100 (got 101)"),
          problemAt(e, "providers.sim.fail_steps.deploy"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.fail_steps.reboot",
              6,
              "unknown key (allowed: deploy, verify, configure, seal, poweroff, finish)"),
          problemAt(e, "providers.sim.fail_steps.reboot"));
      assertEquals(
          new ConfigProblem("providers.sim.templates[0].name", 8, "required key is missing"),
          problemAt(e, "providers.sim.templates[0].name"));
      assertEquals(
          new ConfigProblem("providers.sim.templates[1].version", 9, "must not be empty"),
          problemAt(e, "providers.sim.templates[1].version"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.templates[1].date", 9, "not a valid date (got '2026-13-01')"),
          problemAt(e, "providers.sim.templates[1].date"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.templates[2].name",
              10,
              "duplicate template name 't' (first at line 9)"),
          problemAt(e, "providers.sim.templates[2].name"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.templates[2].date",
              10,
              "expected a date YYYY-MM-DD (got '20 Nov 2026')"),
          problemAt(e, "providers.sim.templates[2].date"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.templates[2].size",
              10,
              "unknown key (allowed: name, group, version, date)"),
          problemAt(e, "providers.sim.templates[2].size"));
      assertEquals(
          new ConfigProblem(
              "providers.sim.templates[3]",
              11,
              "expected a mapping {name, group, version, date}, got a single value"),
          problemAt(e, "providers.sim.templates[3]"));
      assertEquals(11, e.problems().size(), e.getMessage());
    }

    @Test
    void maxConcurrentBuildsIsACommonKeyEvenForUnknownTypes() {
      ConfigException e =
          failure(
              """
          providers:
            vc: {type: openstack, max_concurrent_builds: many}
          pools: []
          """);

      assertEquals(
          "expected a whole number (got 'many')",
          problemAt(e, "providers.vc.max_concurrent_builds").message());
      assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void severalMistakesInTheNewSectionsAreReportedInOneError() {
      ConfigException e =
          failure(
              """
          template_groups:
            debian-12:
              obsolete_days: none
              configure: {motd: [a]}
          tracker:
            interval: 0
            sources: [{url: "file:///builds.yaml"}]
          providers:
            sim:
              type: simulated
              fail_steps: {reboot: 1}
              templates: [{name: t, date: yesterday}]
          pools:
            - name: p
              template: {group: debian-13, version: "?"}
          temporal: {ui_url: "8233"}
          """);

      assertEquals(
          """
          test.yaml: 9 problems
            line 3: template_groups.debian-12.obsolete_days: expected a whole number (got 'none')
            line 4: template_groups.debian-12.configure.motd: expected a single value (text, a number or true/false), \
          got a list
            line 6: tracker.interval: must be greater than 0 (got 0)
            line 7: tracker.sources[0].url: must be a URL starting with http:// or https://
            line 11: providers.sim.fail_steps.reboot: unknown key (allowed: deploy, verify, configure, seal, poweroff, \
          finish)
            line 12: providers.sim.templates[0].date: expected a date YYYY-MM-DD (got 'yesterday')
            line 15: pools[0].template.version: must be 'latest' or a version such as 12 or 12.8 (got '?')
            line 15: pools[0].template.group: unknown template group 'debian-13' (configured: debian-12)
            line 16: temporal.ui_url: must be a URL starting with http:// or https://""",
          e.getMessage());
    }
  }

  /** Provider problems reported together with the rest of the file's. */
  @Nested
  class ConfigProblemsTest {
    @Test
    void threeMistakesAreReportedTogetherWithPathAndLine() {
      ConfigException e =
          failure(
              """
          data_dir: ./.corral
          providers:
            sim:
              type: vmware
              max_vms: 5
          pools:
            - name: debian
              template: debian-12-base
              providers: [sim]
              size: -1
              colour: blue
          """);

      assertEquals(3, e.problems().size(), e.getMessage());
      assertEquals(
          new ConfigProblem(
              "providers.sim.type",
              4,
              "unknown provider type 'vmware' (known: simulated, qemu, libvirt, vsphere, docker)"),
          problemAt(e, "providers.sim.type"));
      assertEquals(
          new ConfigProblem("pools[0].size", 10, "must be at least 0 (got -1)"),
          problemAt(e, "pools[0].size"));
      ConfigProblem colour = problemAt(e, "pools[0].colour");
      assertEquals(11, colour.line());
      assertEquals(
          "unknown key (allowed: name, alias, template, providers, size, ready_ttl, boot_timeout,"
              + " max_tries, lifetime, max_lifetime, memory_mb, cpus, anonymous, lifetime_authenticated, max_ondemand_per_request, reuse,"
              + " reuse_within, reuse_max_uses)",
          colour.message());

      assertEquals(
          """
          test.yaml: 3 problems
            line 4: providers.sim.type: unknown provider type 'vmware' (known: simulated, qemu, libvirt, vsphere, docker)
            line 10: pools[0].size: must be at least 0 (got -1)
            line 11: pools[0].colour: unknown key (allowed: name, alias, template, providers, size, ready_ttl, \
          boot_timeout, max_tries, lifetime, max_lifetime, memory_mb, cpus, anonymous, lifetime_authenticated, \
          max_ondemand_per_request, reuse, reuse_within, reuse_max_uses)""",
          e.getMessage());
      assertEquals("test.yaml", e.sourceName());
    }

    @Test
    void unknownKeysAreProblemsAtEveryLevel() {
      ConfigException e =
          failure(
              """
          datadir: x
          server: {host: h, prot: 1}
          providers:
            sim:
              type: simulated
              fail_percent: {clone: 1, reboot: 2}
          """);

      assertTrue(
          problemAt(e, "datadir")
              .message()
              .startsWith(
                  "unknown key (allowed: data_dir, server, database, temporal, providers, template_groups,"
                      + " tracker, pools, auth, quotas, reconcile, purge, rate_limits, metrics, logging)"));
      assertEquals(2, problemAt(e, "server.prot").line());
      assertEquals(
          new ConfigProblem(
              "providers.sim.fail_percent.reboot",
              6,
              "unknown key (allowed: clone, boot, destroy, snapshot, revert, disk, clean)"),
          problemAt(e, "providers.sim.fail_percent.reboot"));
      assertEquals(3, e.problems().size(), e.getMessage());
    }
  }
}
