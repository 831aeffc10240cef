package dev.corral.web;

import static dev.corral.web.DashboardBrowserTest.row;
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
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's content over plain HTTP, with auth on: hostile names from the config, a tracker
 * document and a lease's tags come out escaped; a build's chain shows its steps and links to its
 * Temporal workflow; a provider whose VMs all fail shows failing and its pool says why it is short;
 * leases show only to who may list them.
 */
class DashboardEndToEndTest {
  private static final Duration LIMIT = Duration.ofSeconds(90);
  private static final String HOSTILE_TEMPLATE = "t<script>alert(1)</script>";
  private static final String HOSTILE_BUILD = "debian-12-<img src=x onerror=alert(2)>";
  private static final String HOSTILE_TAG = "\"><script>alert(3)</script>";

  static CorralApp app;
  static Http http;

  @BeforeAll
  static void start() throws IOException {
    Path dataDir = TestDirs.fresh("e2e-dashboard");
    Path builds = dataDir.resolve("builds.yaml");
    Files.createDirectories(dataDir);
    Files.writeString(
        builds,
        "builds:\n  - {group: debian-12, name: '"
            + HOSTILE_BUILD
            + "', version: \"12.7\", date: "
            + LocalDate.now().minusDays(1)
            + ", ga: true, usable: true, providers: [sim]}\n");
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        temporal: {address: embedded, namespace: default, ui_url: "http://127.0.0.1:8233"}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: bob, password: bob-pw}
            - {name: root, password: root-pw, admin: true}
        template_groups:
          debian-12: {keep_prepared: 1}
        tracker:
          interval: 1h
          sources: [{file: %s}]
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, step_seconds: 0.05, max_vms: 20,
                max_concurrent_clones: 5, max_concurrent_builds: 1}
          broken: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10, max_concurrent_clones: 5,
                   fail_percent: {clone: 100}}
        pools:
          - {name: deb, alias: [debian-12-64], template: '%s', providers: [sim], size: 2, anonymous: true}
          - {name: doomed, template: t, providers: [broken], size: 3, max_tries: 1}
          - {name: prep, template: {group: debian-12, version: latest, prepared: true}, providers: [sim], size: 1}
        """
            .formatted(dataDir.toAbsolutePath(), builds.toAbsolutePath(), HOSTILE_TEMPLATE);
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "dashboard.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void hostileNames_areEscaped_andThePageMayRunNoScript() {
    http.await("/v1/builds", LIMIT, list -> list.size() == 1);
    String alice = http.token("alice", "alice-pw");
    Http.Reply leased =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"deb\": 1}, \"tags\": {\"note\": " + json(HOSTILE_TAG) + "}}",
            "X-AUTH-TOKEN",
            alice);
    assertEquals(201, leased.status(), () -> leased.body().toString());

    Http.Page page = http.page("/", "Authorization", Http.basic("alice", "alice-pw"));
    assertEquals(200, page.status());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(
        page.headers()
            .firstValue("Content-Security-Policy")
            .orElse("")
            .contains("default-src 'none'"),
        "no script may run even if a value slipped through");
    assertFalse(page.body().contains("<script"), "no script element on the page");
    assertFalse(page.body().contains("<img"), "no injected element on the page");
    assertTrue(
        page.body().contains("t&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the pool's template, escaped");
    assertTrue(
        page.body().contains("debian-12-&lt;img src=x onerror=alert(2)&gt;"),
        "the build's source, escaped");
    assertTrue(
        page.body().contains("&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"),
        "the lease's tag, escaped");
  }

  @Test
  void aBuildShowsItsChainOfSteps_andLinksToItsTemporalWorkflow() {
    JsonNode build =
        http.await(
                "/v1/builds",
                LIMIT,
                list -> list.size() == 1 && list.get(0).get("state").asText().equals("succeeded"))
            .body()
            .get(0);
    String workflowUrl = build.get("workflow_url").asText();
    assertTrue(
        workflowUrl.startsWith(
            "http://127.0.0.1:8233/namespaces/default/workflows/build%2Fdebian-12%2Fsim%2F"),
        workflowUrl);

    String html = http.page("/").body();
    String row = row(html, "build", build.get("id").asText());
    assertTrue(html.contains("data-group=\"debian-12\""), "the group is listed");
    assertTrue(
        row.contains("<a class=\"workflow\" href=\"" + workflowUrl.replace("&", "&amp;") + "\">"),
        "a link to the build's workflow in the Temporal UI: " + row);
    assertTrue(row.contains("<span class=\"badge succeeded\">succeeded</span>"), row);
    int at = 0;
    for (String step : List.of("deploy", "verify", "configure", "seal", "poweroff", "finish")) {
      int found = row.indexOf("<li class=\"step succeeded\" data-step=\"" + step + "\"", at);
      assertTrue(found > at, "step " + step + " succeeded, in chain order: " + row);
      at = found;
    }
    assertTrue(
        row.contains(
            build.get("result_template").asText().replace("<", "&lt;").replace(">", "&gt;")),
        "the prepared template it made: " + row);
  }

  @Test
  void aProviderWhoseVmsAllFail_showsFailing_andItsPoolSaysWhyItIsShort() {
    http.await(
        "/v1/providers",
        LIMIT,
        providers -> {
          for (JsonNode p : providers) {
            if (p.get("name").asText().equals("broken")) {
              return p.get("state").asText().equals("failing");
            }
          }
          return false;
        });

    String html = http.page("/").body();
    String provider = row(html, "provider", "broken");
    assertTrue(provider.contains("data-state=\"failing\""), provider);
    assertTrue(provider.contains("<span class=\"badge failing\">failing</span>"), provider);
    assertTrue(provider.contains("trial VM from"), "when it is tried again: " + provider);
    String pool = row(html, "pool", "doomed");
    assertTrue(pool.contains("data-ready=\"0\" data-size=\"3\""), pool);
    assertTrue(pool.contains("short by 3"), pool);
    assertTrue(pool.contains("provider broken is failing"), pool);
    assertTrue(pool.contains("VM(s) failed in the last 24 h"), pool);
    assertTrue(row(html, "provider", "sim").contains("data-state=\"ok\""));
  }

  @Test
  void leases_showOnlyToWhoMayListThem_andLoginAsksForAPassword() {
    String bob = http.token("bob", "bob-pw");
    http.await("/v1/pools", LIMIT, pools -> Http.pool(pools, "deb").get("ready").asInt() >= 1);
    Http.Reply bobs =
        http.send(
            "POST",
            "/v1/leases",
            "{\"vms\": {\"deb\": 1}, \"tags\": {\"owner\": \"bob\"}}",
            "X-AUTH-TOKEN",
            bob);
    assertEquals(201, bobs.status(), () -> bobs.body().toString());
    String bobsLease = bobs.body().get("id").asText();

    Http.Page anonymous = http.page("/");
    assertEquals(200, anonymous.status(), "the dashboard is readable without credentials");
    assertTrue(anonymous.body().contains("data-pool=\"deb\""));
    assertFalse(anonymous.body().contains(bobsLease), "no leases without credentials");
    assertTrue(anonymous.body().contains("<a href=\"/login\">sign in</a>"));

    String asBob = http.page("/", "Authorization", Http.basic("bob", "bob-pw")).body();
    assertTrue(asBob.contains("signed in as <b>bob</b>"), "who is signed in");
    row(asBob, "lease", bobsLease);
    assertFalse(asBob.contains("alice"), "bob sees only his own leases");

    String asRoot = http.page("/", "Authorization", Http.basic("root", "root-pw")).body();
    assertTrue(
        row(asRoot, "lease", bobsLease).contains(">bob<"),
        "an admin sees everyone's leases with their owner");

    Http.Page wrong = http.page("/", "Authorization", Http.basic("bob", "wrong"));
    assertEquals(401, wrong.status(), "a wrong password is refused, not shown as anonymous");

    Http.Page login = http.page("/login");
    assertEquals(401, login.status());
    assertEquals(
        "Basic realm=\"corral\"",
        login.headers().firstValue("WWW-Authenticate").orElse(null),
        "the browser asks for a user name and password");
    Http.Page signedIn = http.page("/login", "Authorization", Http.basic("bob", "bob-pw"));
    assertEquals(303, signedIn.status());
    assertEquals("/", signedIn.headers().firstValue("Location").orElse(null));
  }

  private static String json(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
