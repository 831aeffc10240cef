package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.corral.config.SimulatedSettings.SimulatedTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** template_groups, tracker, pool template selectors and the simulated provider's build settings. */
class TemplateConfigTest {

  static final String ISSUE_YAML = """
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

    assertEquals(Map.of("debian-12", new TemplateGroupConfig("debian-12", 30, 2, Map.of("motd", "prepared by corral"))),
        c.templateGroups());
    assertEquals(new TrackerConfig(Duration.ofMinutes(5), List.of(new TrackerConfig.Source(Path.of("./builds.yaml"), null))),
        c.tracker());
    assertEquals(new ProviderConfig("sim", "simulated", 100, 10, 2, new SimulatedSettings(
        new SecondsRange(1, 2), new SecondsRange(1, 2), SecondsRange.ZERO, SimulatedSettings.FailPercent.NONE, 0, null,
        SecondsRange.fixed(1), Map.of("configure", 0.0),
        List.of(new SimulatedTemplate("debian-12-20261120", "debian-12", "12.8", LocalDate.of(2026, 11, 20))))),
        c.providers().get("sim"));
    assertEquals(List.of(new PoolConfig("debian-12-prepared", List.of(), null, List.of("sim"), 3,
        Duration.ofMinutes(60), Duration.ofMinutes(15), 3, Duration.ofHours(2), Duration.ofHours(48),
        new TemplateSelector("debian-12", "latest", true), PoolLeasing.DEFAULT, null, null)), c.pools());
    assertEquals(new TemporalConfig("embedded", "default", "http://localhost:8233"), c.temporal());
  }

  @Test
  void omittedKeysTakeTheirDefaults() {
    CorralConfig c = load("""
        template_groups:
          fedora-40:
        providers: {sim: {type: simulated}}
        pools:
          - {name: p, template: {group: fedora-40}}
        """);

    assertEquals(new TemplateGroupConfig("fedora-40", TemplateGroupConfig.DEFAULT_OBSOLETE_DAYS,
        TemplateGroupConfig.DEFAULT_KEEP_PREPARED, Map.of()), c.templateGroups().get("fedora-40"));
    assertEquals(new TemplateSelector("fedora-40", TemplateSelector.LATEST, false), c.pools().get(0).selector());
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
  void templateGroupsKeepFileOrderAndConfigureValuesBecomeText() {
    CorralConfig c = load("""
        template_groups:
          zeta:
            configure:
              port: 8080
              debug: true
              ratio: 1.50
              script: |
                echo hello > /etc/motd
          alpha: {obsolete_days: 7, keep_prepared: 1}
        pools: []
        """);

    assertEquals(List.of("zeta", "alpha"), List.copyOf(c.templateGroups().keySet()));
    Map<String, String> configure = c.templateGroups().get("zeta").configure();
    assertEquals(List.of("port", "debug", "ratio", "script"), List.copyOf(configure.keySet()));
    assertEquals(Map.of("port", "8080", "debug", "true", "ratio", "1.50", "script", "echo hello > /etc/motd\n"),
        configure);
    assertEquals(new TemplateGroupConfig("alpha", 7, 1, Map.of()), c.templateGroups().get("alpha"));
  }

  @Test
  void versionsKeepTheirTextAsWritten() {
    CorralConfig c = load("""
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

    assertEquals(List.of("12.10", "5.11.0.3", "12"),
        c.pools().stream().map(p -> p.selector().version()).toList());
    assertEquals(List.of(
        new SimulatedTemplate("a", null, "12.10", null),
        new SimulatedTemplate("b", null, "12.8", LocalDate.of(2026, 1, 5)),
        new SimulatedTemplate("c", null, null, null)),
        ((SimulatedSettings) c.providers().get("sim").settings()).templates());
  }

  @Test
  void stepSecondsTakesARangeAndFailStepsAPercentPerStep() {
    SimulatedSettings s = (SimulatedSettings) load("""
        providers:
          sim:
            type: simulated
            step_seconds: [0.5, 3]
            fail_steps: {deploy: 5, seal: 12.5}
            max_concurrent_builds: 0
        pools: []
        """).providers().get("sim").settings();

    assertEquals(new SecondsRange(0.5, 3), s.stepSeconds());
    assertEquals(Map.of("deploy", 5.0, "seal", 12.5), s.failSteps());
    assertEquals(12.5, s.failPercentOfStep("seal"));
    assertEquals(0, s.failPercentOfStep("verify"));
  }

  @Test
  void trackerAcceptsUrlsAndIntervalsInAnyDurationForm() {
    TrackerConfig t = load("""
        tracker:
          interval: 90
          sources:
            - url: https://builds.example.com/debian.yaml
            - file: /srv/builds.json
        """).tracker();

    assertEquals(new TrackerConfig(Duration.ofSeconds(90), List.of(
        new TrackerConfig.Source(null, "https://builds.example.com/debian.yaml"),
        new TrackerConfig.Source(Path.of("/srv/builds.json"), null))), t);
    assertEquals(TrackerConfig.NONE, load("tracker: {}").tracker());
  }

  @Test
  void fixedTemplateNamesStillWork() {
    PoolConfig p = load("pools: [{name: p, template: debian-12-base}]").pools().get(0);

    assertEquals("debian-12-base", p.template());
    assertNull(p.selector());
  }

  // --- one rule broken per test: path, line and message

  @Test
  void selectorNamingAnUnknownGroupIsAProblem() {
    ConfigException e = failure("""
        template_groups:
          debian-12: {}
          fedora-40: {}
        pools:
          - name: p
            template:
              group: debain-12
        """);

    assertEquals(new ConfigProblem("pools[0].template.group", 7,
        "unknown template group 'debain-12' (configured: debian-12, fedora-40)"), problemAt(e, "pools[0].template.group"));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void selectorWithoutAnyTemplateGroupsIsAProblem() {
    ConfigException e = failure("pools: [{name: p, template: {group: debian-12}}]");

    assertEquals(new ConfigProblem("pools[0].template.group", 1, "unknown template group 'debian-12' (configured: none)"),
        problemAt(e, "pools[0].template.group"));
  }

  @Test
  void selectorValuesAreChecked() {
    ConfigException e = failure("""
        template_groups: {g: {}}
        pools:
          - name: a
            template: {version: 12.8}
          - name: b
            template: {group: g, version: "", prepared: maybe}
          - name: c
            template: {group: g, version: "12 .8", tag: x}
          - name: d
            template: [g]
        """);

    assertEquals(new ConfigProblem("pools[0].template.group", 4, "required key is missing"),
        problemAt(e, "pools[0].template.group"));
    assertEquals(new ConfigProblem("pools[1].template.version", 6, "must not be empty"),
        problemAt(e, "pools[1].template.version"));
    assertEquals(new ConfigProblem("pools[1].template.prepared", 6, "expected true or false (got 'maybe')"),
        problemAt(e, "pools[1].template.prepared"));
    assertEquals(new ConfigProblem("pools[2].template.version", 8,
        "must be 'latest' or a version such as 12 or 12.8 (got '12 .8')"), problemAt(e, "pools[2].template.version"));
    assertEquals(new ConfigProblem("pools[2].template.tag", 8, "unknown key (allowed: group, version, prepared)"),
        problemAt(e, "pools[2].template.tag"));
    assertEquals(new ConfigProblem("pools[3].template", 10,
        "expected a template name or a mapping {group, version, prepared}, got a list"), problemAt(e, "pools[3].template"));
    assertEquals(6, e.problems().size(), e.getMessage());
  }

  @Test
  void templateGroupValuesAreChecked() {
    ConfigException e = failure("""
        template_groups:
          "bad group":
            obsolete_days: 0
          g:
            keep_prepared: 0
            configure:
              motd: {text: hi}
              packages: [vim, curl]
              empty:
            retention: 3
        pools: []
        """);

    assertEquals(new ConfigProblem("template_groups.bad group", 2, "template group name must be 1-64 letters, digits,"
        + " '.', '_' or '-', starting with a letter or digit (got 'bad group')"), problemAt(e, "template_groups.bad group"));
    assertEquals(new ConfigProblem("template_groups.bad group.obsolete_days", 3, "must be at least 1 (got 0)"),
        problemAt(e, "template_groups.bad group.obsolete_days"));
    assertEquals(new ConfigProblem("template_groups.g.keep_prepared", 5, "must be at least 1 (got 0)"),
        problemAt(e, "template_groups.g.keep_prepared"));
    assertEquals(new ConfigProblem("template_groups.g.configure.motd", 7,
        "expected a single value (text, a number or true/false), got a mapping"),
        problemAt(e, "template_groups.g.configure.motd"));
    assertEquals(new ConfigProblem("template_groups.g.configure.packages", 8,
        "expected a single value (text, a number or true/false), got a list"),
        problemAt(e, "template_groups.g.configure.packages"));
    assertEquals(new ConfigProblem("template_groups.g.configure.empty", 9,
        "expected a single value (text, a number or true/false), got nothing"),
        problemAt(e, "template_groups.g.configure.empty"));
    assertEquals(new ConfigProblem("template_groups.g.retention", 10,
        "unknown key (allowed: obsolete_days, keep_prepared, configure)"), problemAt(e, "template_groups.g.retention"));
    assertEquals(7, e.problems().size(), e.getMessage());
  }

  @Test
  void trackerValuesAreChecked() {
    ConfigException e = failure("""
        tracker:
          interval: 500ms
          sources:
            - file: ./a.yaml
              url: http://x/a.yaml
            - {}
            - url: ftp://builds.example.com/list
            - url: ""
            - file: ""
            - builds.yaml
            - {file: b.yaml, auth: token}
          every: 5m
        """);

    assertEquals(new ConfigProblem("tracker.interval", 2, "must be at least 1s (got 500ms)"),
        problemAt(e, "tracker.interval"));
    assertEquals(new ConfigProblem("tracker.sources[0]", 4, "give either file or url, not both"),
        problemAt(e, "tracker.sources[0]"));
    assertEquals(new ConfigProblem("tracker.sources[1]", 6, "needs file: PATH or url: http(s)://..."),
        problemAt(e, "tracker.sources[1]"));
    assertEquals(new ConfigProblem("tracker.sources[2].url", 7, "must be a URL starting with http:// or https://"),
        problemAt(e, "tracker.sources[2].url"));
    assertEquals(new ConfigProblem("tracker.sources[3].url", 8, "must not be empty"),
        problemAt(e, "tracker.sources[3].url"));
    assertEquals(new ConfigProblem("tracker.sources[4].file", 9, "must not be empty"),
        problemAt(e, "tracker.sources[4].file"));
    assertEquals(new ConfigProblem("tracker.sources[5]", 10, "expected a mapping, got a single value"),
        problemAt(e, "tracker.sources[5]"));
    assertEquals(new ConfigProblem("tracker.sources[6].auth", 11, "unknown key (allowed: file, url)"),
        problemAt(e, "tracker.sources[6].auth"));
    assertEquals(new ConfigProblem("tracker.every", 12, "unknown key (allowed: interval, sources)"),
        problemAt(e, "tracker.every"));
    assertEquals(9, e.problems().size(), e.getMessage());
  }

  @Test
  void trackerIntervalMustBeADuration() {
    ConfigException e = failure("tracker: {interval: often, sources: {file: a}}");

    assertEquals(1, problemAt(e, "tracker.interval").line());
    assertEquals("not a duration: 'often' (" + Durations.FORMS + ")", problemAt(e, "tracker.interval").message());
    assertEquals("expected a list of sources ({file: PATH} or {url: URL}), got a mapping",
        problemAt(e, "tracker.sources").message());
  }

  @Test
  void simulatedBuildSettingsAreChecked() {
    ConfigException e = failure("""
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

    assertEquals(new ConfigProblem("providers.sim.max_concurrent_builds", 4, "must be at least 0 (got -1)"),
        problemAt(e, "providers.sim.max_concurrent_builds"));
    assertEquals(new ConfigProblem("providers.sim.step_seconds", 5, "min must not be greater than max (got [5, 1])"),
        problemAt(e, "providers.sim.step_seconds"));
    assertEquals(new ConfigProblem("providers.sim.fail_steps.deploy", 6, "must be between 0 and 100 (got 101)"),
        problemAt(e, "providers.sim.fail_steps.deploy"));
    assertEquals(new ConfigProblem("providers.sim.fail_steps.reboot", 6,
        "unknown key (allowed: deploy, verify, configure, seal, poweroff, finish)"),
        problemAt(e, "providers.sim.fail_steps.reboot"));
    assertEquals(new ConfigProblem("providers.sim.templates[0].name", 8, "required key is missing"),
        problemAt(e, "providers.sim.templates[0].name"));
    assertEquals(new ConfigProblem("providers.sim.templates[1].version", 9, "must not be empty"),
        problemAt(e, "providers.sim.templates[1].version"));
    assertEquals(new ConfigProblem("providers.sim.templates[1].date", 9, "not a valid date (got '2026-13-01')"),
        problemAt(e, "providers.sim.templates[1].date"));
    assertEquals(new ConfigProblem("providers.sim.templates[2].name", 10, "duplicate template name 't' (first at line 9)"),
        problemAt(e, "providers.sim.templates[2].name"));
    assertEquals(new ConfigProblem("providers.sim.templates[2].date", 10, "expected a date YYYY-MM-DD (got '20 Nov 2026')"),
        problemAt(e, "providers.sim.templates[2].date"));
    assertEquals(new ConfigProblem("providers.sim.templates[2].size", 10,
        "unknown key (allowed: name, group, version, date)"), problemAt(e, "providers.sim.templates[2].size"));
    assertEquals(new ConfigProblem("providers.sim.templates[3]", 11,
        "expected a mapping {name, group, version, date}, got a single value"), problemAt(e, "providers.sim.templates[3]"));
    assertEquals(11, e.problems().size(), e.getMessage());
  }

  @Test
  void maxConcurrentBuildsIsACommonKeyEvenForUnknownTypes() {
    ConfigException e = failure("""
        providers:
          vc: {type: vsphere, max_concurrent_builds: many}
        pools: []
        """);

    assertEquals("expected a whole number (got 'many')", problemAt(e, "providers.vc.max_concurrent_builds").message());
    assertEquals(2, e.problems().size(), e.getMessage());
  }

  @Test
  void uiUrlMustBeHttp() {
    ConfigException e = failure("temporal:\n  ui_url: localhost:8233\n");

    assertEquals(new ConfigProblem("temporal.ui_url", 2, "must be a URL starting with http:// or https://"),
        problemAt(e, "temporal.ui_url"));
  }

  @Test
  void severalMistakesInTheNewSectionsAreReportedInOneError() {
    ConfigException e = failure("""
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

    assertEquals("""
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
          line 16: temporal.ui_url: must be a URL starting with http:// or https://""", e.getMessage());
  }
}
