package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The questions of Sprout's request form, against a tracker document of two groups with several
 * versions, dates and providers: versions newest first in version order, the dates of a version (or
 * of the latest), the providers holding a build with their room and ready VMs, what a caller
 * restricted to some providers sees, what a disabled provider takes away, and each refusal's body.
 */
class TemplateChoicesEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  static CorralApp app;
  static Http http;
  static String root;
  static String alice;

  @BeforeAll
  static void start() throws IOException {
    Path dir = TestDirs.fresh("e2e-template-choices");
    Path builds = dir.resolve("builds.yaml");
    Files.createDirectories(dir);
    Files.writeString(
        builds,
        """
        builds:
          - {group: cfme-5.11, name: cfme-5113-oct, version: "5.11.3", date: 2026-10-01, ga: true, usable: true, providers: [sim-a]}
          - {group: cfme-5.11, name: cfme-5113-nov, version: "5.11.3", date: 2026-11-01, ga: true, usable: true, providers: [sim-a, sim-b]}
          - {group: cfme-5.11, name: cfme-5119, version: "5.11.9", date: 2026-11-20, ga: true, usable: true, providers: [sim-a]}
          - {group: cfme-5.11, name: cfme-51110, version: "5.11.10", date: 2026-09-15, ga: true, usable: true, providers: [sim-b]}
          - {group: cfme-5.11, name: cfme-unusable, version: "5.11.11", date: 2026-12-01, ga: true, usable: false, providers: [sim-a]}
          - {group: cfme-5.10, name: cfme-5101, version: "5.10.1", date: 2026-01-10, ga: true, usable: true, providers: [sim-a]}
          - {group: cfme-5.9, name: cfme-594, version: "5.9.4", date: 2026-02-01, ga: true, usable: true, providers: [sim-c]}
        """);
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: root, password: root-pw, admin: true}
            - {name: alice, password: alice-pw, groups: [east]}
        quotas:
          per_user: {max_vms: 1}
          groups: {east: {providers: [sim-a]}}
        template_groups:
          cfme-5.11: {obsolete_days: 400}
          cfme-5.10: {obsolete_days: 400}
          cfme-5.9: {obsolete_days: 400}
        tracker: {interval: 1h, sources: [{file: %s}]}
        providers:
          sim-a: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10, max_concurrent_clones: 3}
          sim-b: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 6, max_concurrent_clones: 2}
          sim-c: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 2}
        pools:
          - {name: newest-b, template: cfme-51110, providers: [sim-b], size: 2}
          - {name: nov-a, template: cfme-5113-nov, providers: [sim-a], size: 1, anonymous: true}
          - {name: a-pair, template: cfme-5119, providers: [sim-a], size: 2}
        """
            .formatted(dir, builds);
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "template-choices.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    root = http.token("root", "root-pw");
    alice = http.token("alice", "alice-pw");
    awaitFullPools();
    http.await(
        "/v1/template-groups/cfme-5.11/versions",
        WAIT,
        v -> v.get("versions").size() == 3,
        "X-AUTH-TOKEN",
        root);
  }

  /** Leases below take VMs; each test starts with every pool full again. */
  @BeforeEach
  void startWithFullPools() {
    awaitFullPools();
  }

  private static void awaitFullPools() {
    http.await(
        "/v1/pools",
        WAIT,
        pools ->
            Http.pool(pools, "newest-b").get("ready").asInt() == 2
                && Http.pool(pools, "nov-a").get("ready").asInt() == 1
                && Http.pool(pools, "a-pair").get("ready").asInt() == 2);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  private static JsonNode get(String path, String token) {
    Http.Reply r = http.send("GET", path, null, "X-AUTH-TOKEN", token);
    assertEquals(200, r.status(), () -> path + ": " + r.body());
    return r.body();
  }

  @Test
  void versionsAreNewestFirstInVersionOrder_withTheirDatesProvidersAndReadyVms() {
    JsonNode versions = get("/v1/template-groups/cfme-5.11/versions", root).get("versions");

    assertEquals(List.of("5.11.10", "5.11.9", "5.11.3"), texts(versions, "version"));
    JsonNode v3 = versions.get(2);
    assertEquals("2026-11-01", v3.get("latest_date").asText());
    assertEquals(List.of("2026-11-01", "2026-10-01"), texts(v3.get("dates")));
    assertEquals(List.of("sim-a", "sim-b"), texts(v3.get("providers")));
    assertEquals(1, v3.get("ready_vms").asInt(), "nov-a's ready VM");
    assertEquals(2, versions.get(0).get("ready_vms").asInt(), "newest-b's ready VMs");
  }

  @Test
  void theLatestVersionsDates_andOneBuildsProvidersWithTheirRoom() {
    JsonNode latest = get("/v1/template-groups/cfme-5.11/versions/latest/dates", root);
    assertEquals("5.11.10", latest.get("version").asText());
    assertEquals(List.of("2026-09-15"), texts(latest.get("dates"), "date"));

    JsonNode dates = get("/v1/template-groups/cfme-5.11/versions/5.11.3/dates", root);
    assertEquals(List.of("2026-11-01", "2026-10-01"), texts(dates.get("dates"), "date"));

    JsonNode build =
        get("/v1/template-groups/cfme-5.11/versions/5.11.3/dates/latest/providers", root);
    assertEquals("2026-11-01", build.get("date").asText());
    assertEquals(1, build.get("ready_vms").asInt());
    JsonNode a = build.get("providers").get(0);
    assertEquals("sim-a", a.get("name").asText());
    assertEquals("cfme-5113-nov", a.get("template").asText());
    assertEquals(1, a.get("ready_vms").asInt());
    int freeA = a.get("free_vms").asInt();
    assertTrue(
        freeA > 0 && freeA <= 7,
        "max_vms 10 less the 3 VMs of nov-a and a-pair (and any still being destroyed): " + freeA);
    assertEquals(3, a.get("free_clone_slots").asInt());
    JsonNode b = build.get("providers").get(1);
    assertEquals("sim-b", b.get("name").asText());
    int freeB = b.get("free_vms").asInt();
    assertTrue(freeB > 0 && freeB <= 4, "max_vms 6 less newest-b's 2 VMs: " + freeB);
    assertEquals(0, b.get("ready_vms").asInt(), "newest-b's VMs are of another build");

    JsonNode older =
        get("/v1/template-groups/cfme-5.11/versions/5.11.3/dates/2026-10-01/providers", root);
    assertEquals(List.of("sim-a"), texts(older.get("providers"), "name"));
  }

  @Test
  void aCallerRestrictedToSomeProviders_seesOnlyBuildsAndVmsThere() {
    JsonNode versions = get("/v1/template-groups/cfme-5.11/versions", alice).get("versions");

    assertEquals(List.of("5.11.9", "5.11.3"), texts(versions, "version"));
    assertEquals(2, versions.get(0).get("ready_vms").asInt(), "a-pair's");
    assertEquals(List.of("sim-a"), texts(versions.get(1).get("providers")));
    assertEquals(1, versions.get(1).get("ready_vms").asInt());
  }

  @Test
  void refusals_nameWhatExists() {
    Http.Reply unknown = http.send("GET", "/v1/template-groups/nope/versions", null);
    assertEquals(404, unknown.status());
    assertEquals("unknown_template_group", unknown.body().get("code").asText());

    Http.Reply noVersion =
        http.send("GET", "/v1/template-groups/cfme-5.11/versions/6.0/dates", null);
    assertEquals(404, noVersion.status(), () -> noVersion.body().toString());
    assertEquals("no_matching_template", noVersion.body().get("code").asText());
    assertEquals(
        List.of("5.11.10", "5.11.9", "5.11.3"),
        texts(noVersion.body().get("detail").get("versions")));

    Http.Reply noDate =
        http.send(
            "GET",
            "/v1/template-groups/cfme-5.11/versions/5.11.3/dates/2020-01-01/providers",
            null);
    assertEquals(404, noDate.status(), () -> noDate.body().toString());
    assertEquals(
        List.of("2026-11-01", "2026-10-01"), texts(noDate.body().get("detail").get("dates")));

    Http.Reply badDate =
        http.send(
            "GET", "/v1/template-groups/cfme-5.11/versions/5.11.3/dates/yesterday/providers", null);
    assertEquals(400, badDate.status(), () -> badDate.body().toString());
    Http.Reply badFlag =
        http.send("GET", "/v1/template-groups/cfme-5.11/versions?prepared=maybe", null);
    assertEquals(400, badFlag.status());
    assertEquals("prepared", badFlag.body().get("detail").get("field").asText());

    JsonNode prepared = get("/v1/template-groups/cfme-5.11/versions?prepared=true", root);
    assertEquals(0, prepared.get("versions").size(), "no prepared builds were made");
  }

  @Test
  void aDisabledProvidersBuilds_areNotOffered() {
    Http.Reply off =
        http.send(
            "POST",
            "/v1/providers/sim-b/disable",
            "{\"reason\": \"maintenance\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(200, off.status(), () -> off.body().toString());
    try {
      JsonNode versions = get("/v1/template-groups/cfme-5.11/versions", root).get("versions");
      assertEquals(List.of("5.11.9", "5.11.3"), texts(versions, "version"));
    } finally {
      http.send("POST", "/v1/providers/sim-b/enable", null, "X-AUTH-TOKEN", root);
    }
  }

  @Test
  void aLeaseByTemplate_takesTheLatestBuildsReadyVms_andItsPoolRefills() {
    Http.Reply lease =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\"}, \"count\": 2}",
            "X-AUTH-TOKEN",
            root);

    assertEquals(201, lease.status(), () -> lease.body().toString());
    assertEquals(List.of("cfme-51110", "cfme-51110"), texts(lease.body().get("vms"), "template"));
    assertEquals(List.of("newest-b", "newest-b"), texts(lease.body().get("vms"), "pool"));
    release(lease);
  }

  @Test
  void anExplicitVersionAndDate_pickThatBuild_andAProviderThatHoldsNoneIsRefusedWithThoseThatDo() {
    Http.Reply lease =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.3\","
                + " \"date\": \"2026-11-01\", \"provider\": \"sim-a\"}}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(201, lease.status(), () -> lease.body().toString());
    assertEquals(List.of("cfme-5113-nov"), texts(lease.body().get("vms"), "template"));
    release(lease);

    Http.Reply none =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.3\","
                + " \"provider\": \"sim-b\"}}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(503, none.status(), () -> none.body().toString());
    assertEquals("build_short", none.body().get("code").asText());
    assertEquals(0, none.body().get("detail").get("ready").asInt());
    // No pool clones it now, but newest-b's provider holds it: a waiting lease would get it cloned.
    assertEquals(List.of("newest-b"), texts(none.body().get("detail").get("cloned_by")));
    int couldClone = none.body().get("detail").get("could_clone").asInt();
    assertTrue(couldClone > 0 && couldClone <= 4, "sim-b's free VM slots: " + couldClone);

    Http.Reply elsewhere =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\", \"provider\": \"sim-z\"}}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(404, elsewhere.status(), () -> elsewhere.body().toString());
    assertEquals(List.of("sim-b"), texts(elsewhere.body().get("detail").get("providers")));
  }

  @Test
  void tooFewReady_isA503ThatSaysHowMany_andLeasesNothing() {
    Http.Reply lease =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.10\"},"
                + " \"count\": 5}",
            "X-AUTH-TOKEN",
            root);

    assertEquals(503, lease.status(), () -> lease.body().toString());
    JsonNode detail = lease.body().get("detail");
    assertEquals(2, detail.get("ready").asInt());
    assertEquals(5, detail.get("requested").asInt());
    assertEquals(List.of("newest-b"), texts(detail.get("pools")));
    assertEquals(List.of("newest-b"), texts(detail.get("cloned_by")));
    int couldClone = detail.get("could_clone").asInt();
    assertTrue(couldClone > 0 && couldClone <= 4, "sim-b's free VM slots: " + couldClone);
    assertTrue(lease.body().get("error").asText().contains("add a wait"), lease.body().toString());
    assertEquals(2, Http.pool(http.get("/v1/pools").body(), "newest-b").get("ready").asInt());
  }

  @Test
  void aWaitingLeaseByTemplate_isFilledByThePoolThatClonesTheBuild_withVmsOfItOnly() {
    JsonNode lease =
        servedWaitingLease(
            "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.10\"},"
                + " \"count\": 3, \"wait\": \"2m\"}");

    assertEquals(
        List.of("cfme-51110", "cfme-51110", "cfme-51110"), texts(lease.get("vms"), "template"));
    assertEquals(List.of("newest-b", "newest-b", "newest-b"), texts(lease.get("vms"), "pool"));
    release(lease.get("id").asText());
  }

  @Test
  void aWaitingLeaseForABuildNoPoolClones_isClonedOnDemand_onAProviderHoldingIt() {
    JsonNode lease =
        servedWaitingLease(
            "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.3\","
                + " \"date\": \"2026-10-01\"}, \"count\": 2, \"wait\": \"2m\"}");

    assertEquals(List.of("cfme-5113-oct", "cfme-5113-oct"), texts(lease.get("vms"), "template"));
    assertEquals(List.of("sim-a", "sim-a"), texts(lease.get("vms"), "provider"));
    assertTrue(
        List.of("a-pair", "nov-a").containsAll(texts(lease.get("vms"), "pool")), lease.toString());
    release(lease.get("id").asText());
    // Served, the lease asks for no more: the pools go on with their own templates only.
    awaitFullPools();
    http.await(
        "/v1/vms?state=provisioning",
        WAIT,
        vms -> !texts(vms, "template").contains("cfme-5113-oct"),
        "X-AUTH-TOKEN",
        root);
    assertFalse(
        texts(get("/v1/vms?state=ready", root), "template").contains("cfme-5113-oct"),
        "no VM of the build is kept ready once its lease was served");
  }

  @Test
  void aPoolThatMovedToAnotherBuild_stillClonesTheBuildItsWaitingLeaseAskedFor() {
    Http.Reply moved =
        http.send(
            "PUT",
            "/v1/pools/newest-b/template",
            "{\"template\": \"cfme-5113-nov\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(200, moved.status(), () -> moved.body().toString());
    try {
      JsonNode lease =
          servedWaitingLease(
              "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.10\"},"
                  + " \"count\": 4, \"wait\": \"2m\"}");

      assertEquals(Collections.nCopies(4, "cfme-51110"), texts(lease.get("vms"), "template"));
      assertEquals(Collections.nCopies(4, "newest-b"), texts(lease.get("vms"), "pool"));
      release(lease.get("id").asText());
      // Its own clones are of the build it moved to.
      http.await(
          "/v1/pools",
          WAIT,
          pools -> Http.pool(pools, "newest-b").get("ready").asInt() == 2,
          "X-AUTH-TOKEN",
          root);
      JsonNode ready = get("/v1/vms?state=ready&pool=newest-b", root);
      assertEquals(List.of("cfme-5113-nov", "cfme-5113-nov"), texts(ready, "template"));
    } finally {
      http.send("DELETE", "/v1/pools/newest-b/template", null, "X-AUTH-TOKEN", root);
      http.await(
          "/v1/vms?state=ready&pool=newest-b",
          WAIT,
          vms -> texts(vms, "template").equals(List.of("cfme-51110", "cfme-51110")),
          "X-AUTH-TOKEN",
          root);
    }
  }

  @Test
  void aWaitingLease_takesReadyVmsFromSeveralPools_andHasTheRestCloned() {
    // a-pair moves to the November build too: it and nov-a then hold 2 + 1 ready VMs of it.
    Http.Reply moved =
        http.send(
            "PUT",
            "/v1/pools/a-pair/template",
            "{\"template\": \"cfme-5113-nov\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(200, moved.status(), () -> moved.body().toString());
    try {
      http.await(
          "/v1/vms?state=ready&pool=a-pair",
          WAIT,
          vms -> texts(vms, "template").equals(List.of("cfme-5113-nov", "cfme-5113-nov")),
          "X-AUTH-TOKEN",
          root);
      JsonNode lease =
          servedWaitingLease(
              "{\"template\": {\"group\": \"cfme-5.11\", \"version\": \"5.11.3\"},"
                  + " \"count\": 4, \"wait\": \"2m\"}");

      assertEquals(Collections.nCopies(4, "cfme-5113-nov"), texts(lease.get("vms"), "template"));
      List<String> pools = texts(lease.get("vms"), "pool");
      assertTrue(
          pools.contains("a-pair") && pools.contains("nov-a"),
          "ready VMs of both pools are taken: " + pools);
      release(lease.get("id").asText());
    } finally {
      http.send("DELETE", "/v1/pools/a-pair/template", null, "X-AUTH-TOKEN", root);
      http.await(
          "/v1/vms?state=ready&pool=a-pair",
          WAIT,
          vms -> texts(vms, "template").equals(List.of("cfme-5119", "cfme-5119")),
          "X-AUTH-TOKEN",
          root);
    }
  }

  @Test
  void waitingForABuildNoPoolOfYoursCanClone_isRefusedAtOnce_sayingWhy() {
    Http.Reply r =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.9\"}, \"wait\": \"2m\"}",
            "X-AUTH-TOKEN",
            root);

    assertEquals(503, r.status(), () -> r.body().toString());
    assertEquals("build_short", r.body().get("code").asText());
    assertEquals(0, r.body().get("detail").get("could_clone").asInt());
    assertTrue(
        r.body().get("error").asText().contains("no pool of yours has a provider holding"),
        r.body().toString());
  }

  @Test
  void accessRulesAndQuotasApply_asForALeaseByPool() {
    Http.Reply overQuota =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\"}, \"count\": 2}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(429, overQuota.status(), () -> overQuota.body().toString());
    assertEquals("quotas.per_user.max_vms", overQuota.body().get("detail").get("quota").asText());
    assertEquals(2, Http.pool(http.get("/v1/pools").body(), "a-pair").get("ready").asInt());

    Http.Reply mine =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.11\"}}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(201, mine.status(), () -> mine.body().toString());
    assertEquals(
        List.of("cfme-5119"),
        texts(mine.body().get("vms"), "template"),
        "alice's latest is 5.11.9: 5.11.10 is only on sim-b, which her group may not use");
    release(mine);
  }

  @Test
  void aBodyWithBothOrNeither_orTagsOnAWaitingOne_isA400() {
    for (String body :
        List.of(
            "{\"template\": {\"group\": \"cfme-5.11\"}, \"vms\": {\"nov-a\": 1}}",
            "{\"count\": 2}",
            "{\"vms\": {\"nov-a\": 1}, \"count\": 1}",
            "{\"template\": {\"group\": \"cfme-5.11\"}, \"count\": 0}",
            "{\"template\": {\"version\": \"5.11.3\"}}",
            "{\"template\": {\"group\": \"cfme-5.11\"}, \"wait\": \"5m\", \"tags\": {\"a\": \"b\"},"
                + " \"count\": 9}")) {
      Http.Reply r = http.send("POST", "/v1/leases", body, "X-AUTH-TOKEN", root);
      assertEquals(400, r.status(), () -> body + " -> " + r.body());
    }
  }

  @Test
  void theCli_narrowsAGroupStepByStep_andLeasesABuild() {
    Cli cli = new Cli(root);

    assertEquals(0, cli.run("versions", "cfme-5.11"), cli::err);
    List<String> lines = cli.out().lines().toList();
    assertTrue(lines.get(0).startsWith("VERSION "), cli.out());
    assertTrue(lines.get(1).startsWith("5.11.10 ") && lines.get(1).contains("sim-b"), cli.out());
    assertEquals(0, cli.run("versions", "cfme-5.11", "5.11.3"), cli::err);
    assertTrue(cli.out().contains("2026-10-01"), cli.out());
    assertEquals(0, cli.run("versions", "cfme-5.11", "5.11.3", "latest"), cli::err);
    assertTrue(cli.out().contains("cfme-5113-nov"), cli.out());

    assertEquals(
        0,
        cli.run("lease", "--group", "cfme-5.11", "--version", "5.11.10", "--count", "2"),
        cli::err);
    assertEquals(2, cli.out().lines().filter(l -> l.contains("cfme-51110")).count(), cli.out());
    String id = cli.out().lines().findFirst().orElseThrow().split(" ")[1];
    assertEquals(0, cli.run("release", id), cli::err);

    assertEquals(2, cli.run("lease", "--group", "cfme-5.11", "nov-a"), "pools or a group");
    assertEquals(2, cli.run("lease", "nov-a", "--count", "2"), "--count goes with --group");
    assertEquals(1, cli.run("versions", "nope"), "an unknown group: the server's 404");
    assertTrue(cli.err().contains("no template group"), cli.err());
  }

  /** The command line, as {@code corral} runs it, against this test's Corral. */
  private static final class Cli {
    private final String token;
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    private final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

    Cli(String token) {
      this.token = token;
    }

    int run(String... args) {
      out.reset();
      err.reset();
      return dev.corral.web.cli.Cli.run(
          args,
          Map.of("CORRAL_URL", app.baseUrl(), "CORRAL_TOKEN", token),
          new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
          new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    }

    String out() {
      return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    String err() {
      return err.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void theRequestPage_narrowsTheBuildStepByStep_andLeasesIt_inABrowser() {
    try (ChromiumSession browser =
        ChromiumSession.start(Map.of("Authorization", Http.basic("root", "root-pw")))) {
      String groups = browser.open(app.baseUrl() + "/request");
      assertTrue(groups.contains("<option>cfme-5.11</option>"), groups);

      String versions = browser.open(app.baseUrl() + "/request?group=cfme-5.11");
      assertTrue(versions.contains("data-version=\"5.11.10\""), versions);
      String dates = browser.click("form button[type=submit]", h -> h.contains("data-date="));
      assertTrue(dates.contains("version <b>5.11.10</b>"), dates);
      String providers =
          browser.click("form button[type=submit]", h -> h.contains("id=\"lease-form\""));
      assertTrue(providers.contains("data-provider=\"sim-b\""), providers);
      assertTrue(providers.contains("<b>2</b> ready VM(s)"), providers);

      String leased =
          browser.click("#lease", h -> h.contains("data-lease=") || h.contains("id=\"error\""));

      assertTrue(leased.contains("data-lease="), leased);
      assertEquals(1, leased.split("data-vm=").length - 1, "the one VM asked for: " + leased);
      assertTrue(leased.contains("cfme-51110") && leased.contains("newest-b"), leased);
      String id = leased.split("data-lease=\"", 2)[1].split("\"", 2)[0];
      JsonNode lease = get("/v1/leases/" + id, root);
      assertEquals("active", lease.get("state").asText());
      assertEquals("root", lease.get("owner").asText());
      http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root);
    }
  }

  @Test
  void theRequestForm_isTakenOnlyFromCorralsOwnPage_andOnlyFromASignedInUser() {
    String form = "group=cfme-5.11&version=latest&date=latest&count=1";
    Http.Reply anonymous = http.send("GET", "/request", null);
    assertEquals(401, anonymous.status());
    Http.Reply otherSite =
        http.sendAsIs(
            "POST",
            "/request",
            form,
            "Content-Type",
            "application/x-www-form-urlencoded",
            "Origin",
            "http://evil.example",
            "Authorization",
            Http.basic("root", "root-pw"));
    assertEquals(403, otherSite.status(), () -> otherSite.body().toString());
    Http.Reply notABrowserPage =
        http.sendAsIs(
            "POST",
            "/request",
            form,
            "Content-Type",
            "application/x-www-form-urlencoded",
            "Authorization",
            Http.basic("root", "root-pw"));
    assertEquals(403, notABrowserPage.status(), () -> notABrowserPage.body().toString());
    assertEquals(2, Http.pool(http.get("/v1/pools").body(), "newest-b").get("ready").asInt());
  }

  @Test
  void theRequestForm_withAWait_makesAWaitingLease_thatClonesWhatIsMissing() {
    Http.Page made =
        http.postForm(
            "/request",
            "group=cfme-5.11&version=5.11.10&date=latest&count=3&wait=2m",
            "Origin",
            app.baseUrl(),
            "Authorization",
            Http.basic("root", "root-pw"));
    assertEquals(303, made.status(), made::body);
    String location = made.headers().firstValue("Location").orElseThrow();
    String id = location.substring(location.indexOf("lease=") + "lease=".length());

    JsonNode lease =
        http.await(
                "/v1/leases/" + id,
                WAIT,
                l -> l.get("state").asText().equals("active"),
                "X-AUTH-TOKEN",
                root)
            .body();

    assertEquals(Collections.nCopies(3, "cfme-51110"), texts(lease.get("vms"), "template"));
    Http.Page page = http.page(location, "Authorization", Http.basic("root", "root-pw"));
    assertTrue(page.body().contains("</code> is active"), page.body());
    release(lease.get("id").asText());
  }

  @Test
  void aTemplateThatALeaseWaitsFor_cannotBeDeleted() {
    // More than sim-a can hold: the lease stays waiting while the test looks.
    Http.Reply pending =
        http.send(
            "POST",
            "/v1/leases",
            "{\"template\": {\"group\": \"cfme-5.10\"}, \"count\": 20, \"wait\": \"2m\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(202, pending.status(), () -> pending.body().toString());
    String id = pending.body().get("id").asText();
    try {
      long template = 0;
      for (JsonNode t : get("/v1/templates?group=cfme-5.10", root)) {
        template = t.get("id").asLong();
      }

      Http.Reply delete =
          http.send("DELETE", "/v1/templates/" + template, null, "X-AUTH-TOKEN", root);

      assertEquals(409, delete.status(), () -> delete.body().toString());
      assertEquals(
          List.of(id), texts(delete.body().get("detail").get("waiting_leases")), "names the lease");
      assertEquals("ready", get("/v1/templates/" + template, root).get("state").asText());

      Http.Reply cancelled = http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root);
      assertEquals(200, cancelled.status(), () -> cancelled.body().toString());
      assertEquals("cancelled", cancelled.body().get("state").asText(), "the waiting lease ends");
    } finally {
      http.send("DELETE", "/v1/leases/" + id, null, "X-AUTH-TOKEN", root);
    }
  }

  /** Makes a waiting lease by build (a 202), then waits until it is active and returns it. */
  private static JsonNode servedWaitingLease(String body) {
    Http.Reply pending = http.send("POST", "/v1/leases", body, "X-AUTH-TOKEN", root);
    assertEquals(202, pending.status(), () -> pending.body().toString());
    return http.await(
            "/v1/leases/" + pending.body().get("id").asText(),
            WAIT,
            l -> l.get("state").asText().equals("active"),
            "X-AUTH-TOKEN",
            root)
        .body();
  }

  private static void release(String leaseId) {
    Http.Reply r = http.send("DELETE", "/v1/leases/" + leaseId, null, "X-AUTH-TOKEN", root);
    assertEquals(200, r.status(), () -> r.body().toString());
  }

  private static void release(Http.Reply lease) {
    Http.Reply r =
        http.send(
            "DELETE", "/v1/leases/" + lease.body().get("id").asText(), null, "X-AUTH-TOKEN", root);
    assertEquals(200, r.status(), () -> r.body().toString());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> texts(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get(field).asText()));
    return out;
  }
}
