package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * template_groups, tracker, pool template selectors and the simulated provider's build settings.
 */
class TemplateConfigTest {

  @Test
  void templateGroupsKeepFileOrderAndConfigureValuesBecomeText() {
    CorralConfig c =
        load(
            """
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
    assertEquals(
        Map.of(
            "port", "8080", "debug", "true", "ratio", "1.50", "script", "echo hello > /etc/motd\n"),
        configure);
    assertEquals(new TemplateGroupConfig("alpha", 7, 1, Map.of()), c.templateGroups().get("alpha"));
  }

  @Test
  void trackerAcceptsUrlsAndIntervalsInAnyDurationForm() {
    TrackerConfig t =
        load("""
        tracker:
          interval: 90
          sources:
            - url: https://builds.example.com/debian.yaml
            - file: /srv/builds.json
        """)
            .tracker();

    assertEquals(
        new TrackerConfig(
            Duration.ofSeconds(90),
            List.of(
                new TrackerConfig.Source(null, "https://builds.example.com/debian.yaml"),
                new TrackerConfig.Source(Path.of("/srv/builds.json"), null))),
        t);
    assertEquals(TrackerConfig.NONE, load("tracker: {}").tracker());
  }

  @Test
  void fixedTemplateNamesStillWork() {
    PoolConfig p = load("pools: [{name: p, template: debian-12-base}]").pools().get(0);

    assertEquals("debian-12-base", p.template());
    assertNull(p.selector());
  }

  @Test
  void aSelectorsContainerFlag_isReadAsGiven_andAbsentMeansEither() {
    CorralConfig c =
        load(
            """
            template_groups: {g: {}}
            pools:
              - {name: c, template: {group: g, container: true}}
              - {name: v, template: {group: g, container: false, prepared: true}}
              - {name: e, template: {group: g}}
              - {name: n, template: {group: g, container: }}
            """);

    assertEquals(new TemplateSelector("g", "latest", false, true), c.pools().get(0).selector());
    assertEquals(new TemplateSelector("g", "latest", true, false), c.pools().get(1).selector());
    assertNull(c.pools().get(2).selector().container());
    assertNull(c.pools().get(3).selector().container(), "written without a value: either");
  }

  // --- one rule broken per test: path, line and message

  @Test
  void selectorNamingAnUnknownGroupIsAProblem() {
    ConfigException e =
        failure(
            """
        template_groups:
          debian-12: {}
          fedora-40: {}
        pools:
          - name: p
            template:
              group: debain-12
        """);

    assertEquals(
        new ConfigProblem(
            "pools[0].template.group",
            7,
            "unknown template group 'debain-12' (configured: debian-12, fedora-40)"),
        problemAt(e, "pools[0].template.group"));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void selectorWithoutAnyTemplateGroupsIsAProblem() {
    ConfigException e = failure("pools: [{name: p, template: {group: debian-12}}]");

    assertEquals(
        new ConfigProblem(
            "pools[0].template.group", 1, "unknown template group 'debian-12' (configured: none)"),
        problemAt(e, "pools[0].template.group"));
  }

  @Test
  void selectorValuesAreChecked() {
    ConfigException e =
        failure(
            """
        template_groups: {g: {}}
        pools:
          - name: a
            template: {version: 12.8}
          - name: b
            template: {group: g, version: "", prepared: maybe, container: perhaps}
          - name: c
            template: {group: g, version: "12 .8", tag: x}
          - name: d
            template: [g]
        """);

    assertEquals(
        new ConfigProblem("pools[0].template.group", 4, "required key is missing"),
        problemAt(e, "pools[0].template.group"));
    assertEquals(
        new ConfigProblem("pools[1].template.version", 6, "must not be empty"),
        problemAt(e, "pools[1].template.version"));
    assertEquals(
        new ConfigProblem("pools[1].template.prepared", 6, "expected true or false (got 'maybe')"),
        problemAt(e, "pools[1].template.prepared"));
    assertEquals(
        new ConfigProblem(
            "pools[1].template.container", 6, "expected true or false (got 'perhaps')"),
        problemAt(e, "pools[1].template.container"));
    assertEquals(
        new ConfigProblem(
            "pools[2].template.version",
            8,
            "must be 'latest' or a version such as 12 or 12.8 (got '12 .8')"),
        problemAt(e, "pools[2].template.version"));
    assertEquals(
        new ConfigProblem(
            "pools[2].template.tag",
            8,
            "unknown key (allowed: group, version, prepared, container)"),
        problemAt(e, "pools[2].template.tag"));
    assertEquals(
        new ConfigProblem(
            "pools[3].template",
            10,
            "expected a template name or a mapping {group, version, prepared, container}, got a"
                + " list"),
        problemAt(e, "pools[3].template"));
    assertEquals(7, e.problems().size(), e.getMessage());
  }

  @Test
  void templateGroupValuesAreChecked() {
    ConfigException e =
        failure(
            """
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

    assertEquals(
        new ConfigProblem(
            "template_groups.bad group",
            2,
            "template group name must be 1-64 letters, digits,"
                + " '.', '_' or '-', starting with a letter or digit (got 'bad group')"),
        problemAt(e, "template_groups.bad group"));
    assertEquals(
        new ConfigProblem(
            "template_groups.bad group.obsolete_days", 3, "must be at least 1 (got 0)"),
        problemAt(e, "template_groups.bad group.obsolete_days"));
    assertEquals(
        new ConfigProblem("template_groups.g.keep_prepared", 5, "must be at least 1 (got 0)"),
        problemAt(e, "template_groups.g.keep_prepared"));
    assertEquals(
        new ConfigProblem(
            "template_groups.g.configure.motd",
            7,
            "expected a single value (text, a number or true/false), got a mapping"),
        problemAt(e, "template_groups.g.configure.motd"));
    assertEquals(
        new ConfigProblem(
            "template_groups.g.configure.packages",
            8,
            "expected a single value (text, a number or true/false), got a list"),
        problemAt(e, "template_groups.g.configure.packages"));
    assertEquals(
        new ConfigProblem(
            "template_groups.g.configure.empty",
            9,
            "expected a single value (text, a number or true/false), got nothing"),
        problemAt(e, "template_groups.g.configure.empty"));
    assertEquals(
        new ConfigProblem(
            "template_groups.g.retention",
            10,
            "unknown key (allowed: obsolete_days, keep_prepared, configure)"),
        problemAt(e, "template_groups.g.retention"));
    assertEquals(7, e.problems().size(), e.getMessage());
  }

  @Test
  void trackerValuesAreChecked() {
    ConfigException e =
        failure(
            """
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

    assertEquals(
        new ConfigProblem("tracker.interval", 2, "must be at least 1s (got 500ms)"),
        problemAt(e, "tracker.interval"));
    assertEquals(
        new ConfigProblem("tracker.sources[0]", 4, "give either file or url, not both"),
        problemAt(e, "tracker.sources[0]"));
    assertEquals(
        new ConfigProblem("tracker.sources[1]", 6, "needs file: PATH or url: http(s)://..."),
        problemAt(e, "tracker.sources[1]"));
    assertEquals(
        new ConfigProblem(
            "tracker.sources[2].url", 7, "must be a URL starting with http:// or https://"),
        problemAt(e, "tracker.sources[2].url"));
    assertEquals(
        new ConfigProblem("tracker.sources[3].url", 8, "must not be empty"),
        problemAt(e, "tracker.sources[3].url"));
    assertEquals(
        new ConfigProblem("tracker.sources[4].file", 9, "must not be empty"),
        problemAt(e, "tracker.sources[4].file"));
    assertEquals(
        new ConfigProblem("tracker.sources[5]", 10, "expected a mapping, got a single value"),
        problemAt(e, "tracker.sources[5]"));
    assertEquals(
        new ConfigProblem("tracker.sources[6].auth", 11, "unknown key (allowed: file, url)"),
        problemAt(e, "tracker.sources[6].auth"));
    assertEquals(
        new ConfigProblem("tracker.every", 12, "unknown key (allowed: interval, sources)"),
        problemAt(e, "tracker.every"));
    assertEquals(9, e.problems().size(), e.getMessage());
  }

  @Test
  void trackerIntervalMustBeADuration() {
    ConfigException e = failure("tracker: {interval: often, sources: {file: a}}");

    assertEquals(1, problemAt(e, "tracker.interval").line());
    assertEquals(
        "not a duration: 'often' (" + Durations.FORMS + ")",
        problemAt(e, "tracker.interval").message());
    assertEquals(
        "expected a list of sources ({file: PATH} or {url: URL}), got a mapping",
        problemAt(e, "tracker.sources").message());
  }

  @Test
  void uiUrlMustBeHttp() {
    ConfigException e = failure("temporal:\n  ui_url: localhost:8233\n");

    assertEquals(
        new ConfigProblem("temporal.ui_url", 2, "must be a URL starting with http:// or https://"),
        problemAt(e, "temporal.ui_url"));
  }
}
