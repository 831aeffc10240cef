package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigLoader;
import dev.corral.web.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code corral} client commands against a real Corral on loopback, with auth on: the commands
 * run through {@link Cli#run} with their own environment and streams, and what they change is
 * checked over the API.
 */
class CliEndToEndTest {
  private static final Duration LIMIT = Duration.ofSeconds(60);
  static CorralApp app;
  static Http http;
  static String alice;
  static String root;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void start() {
    String yaml =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: 0}
        auth:
          mode: tokens
          users:
            - {name: alice, password: alice-pw}
            - {name: root, password: root-pw, admin: true}
        template_groups:
          debian-12: {keep_prepared: 1}
        providers:
          sim:
            type: simulated
            clone_seconds: 0.05
            boot_seconds: 0.05
            step_seconds: 0.05
            max_vms: 20
            max_concurrent_clones: 5
            templates:
              - {name: debian-12-raw, group: debian-12, version: "12.8", date: %s}
          tiny: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 1}
        pools:
          - {name: cli-a, alias: [cli-a-64], template: t, providers: [sim], size: 3}
          - {name: cli-b, template: t, providers: [sim], size: 2}
          - {name: cli-tiny, template: t, providers: [tiny], size: 1}
        """
            .formatted(TestDirs.fresh("e2e-cli"), LocalDate.now());
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(yaml, "cli.yaml", Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    root = http.token("root", "root-pw");
    http.await(
        "/v1/pools",
        LIMIT,
        pools ->
            Http.pool(pools, "cli-a").get("ready").asInt() == 3
                && Http.pool(pools, "cli-b").get("ready").asInt() == 2
                && Http.pool(pools, "cli-tiny").get("ready").asInt() == 1);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  /**
   * Runs {@code corral ARGS} against the app with {@code CORRAL_URL} set and the given token (or
   * none).
   */
  private int corral(String token, String... args) {
    out.reset();
    err.reset();
    Map<String, String> env = new HashMap<>();
    env.put("CORRAL_URL", app.baseUrl());
    if (token != null) {
      env.put("CORRAL_TOKEN", token);
    }
    return Cli.run(
        args,
        env,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static int leased(String pool) {
    return Http.pool(http.get("/v1/pools").body(), pool).get("leased").asInt();
  }

  @Test
  void poolsListsEveryPoolWithItsReadyVmsAndJsonIsTheServersReply() throws IOException {
    assertEquals(0, corral(null, "pools"), this::err);

    String table = out();
    assertTrue(table.startsWith("POOL "), table);
    assertTrue(
        table
            .lines()
            .anyMatch(l -> l.startsWith("cli-a ") && l.contains("3/3") && l.contains("cli-a-64")),
        table);
    assertTrue(table.lines().anyMatch(l -> l.startsWith("cli-b ") && l.contains("2/2")), table);

    assertEquals(0, corral(null, "pools", "--json", "--url", app.baseUrl()), this::err);
    JsonNode pools = new ObjectMapper().readTree(out());
    assertEquals(3, Http.pool(pools, "cli-a").get("size").asInt());
  }

  @Test
  void leaseThenReleaseChangesWhatPoolsReports() {
    int before = leased("cli-a");

    assertEquals(
        0,
        corral(alice, "lease", "cli-a-64=2", "cli-b", "--lifetime", "1h", "--tag", "job=cli-test"),
        this::err);

    String[] lines = out().split("\n");
    assertTrue(lines[0].matches("lease \\S+ active \\(owner alice\\), expires \\S+"), out());
    String id = lines[0].split(" ")[1];
    assertTrue(
        lines[1].startsWith("VM ") && lines[1].contains("HOSTNAME") && lines[1].contains("IP"),
        out());
    assertEquals(5, lines.length, "a header, the lease line and three VMs:\n" + out());
    assertEquals(
        2,
        out().lines().filter(l -> l.startsWith("corral-") && l.contains(" cli-a ")).count(),
        out());
    assertEquals(before + 2, leased("cli-a"));
    assertEquals(
        "cli-test",
        http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice)
            .body()
            .get("tags")
            .get("job")
            .asText());

    assertEquals(1, corral(null, "release", id), "another user's lease is refused without a token");
    assertTrue(err().startsWith("corral release: this lease belongs to a user"), err());
    assertEquals(before + 2, leased("cli-a"));

    assertEquals(0, corral(alice, "release", id), this::err);
    assertTrue(out().startsWith("lease " + id + " is released (released by request)"), out());
    assertEquals(before, leased("cli-a"));
    assertEquals(
        "released",
        http.send("GET", "/v1/leases/" + id, null, "X-AUTH-TOKEN", alice)
            .body()
            .get("state")
            .asText());
  }

  @Test
  void anUnknownPoolOrLeaseIsTheServersMessageAndExitOne() {
    assertEquals(1, corral(alice, "lease", "no-such-pool=2"));
    assertEquals("", out());
    assertTrue(err().startsWith("corral lease: ") && err().contains("no-such-pool"), err());
    assertEquals(1, err().lines().count(), err());

    assertEquals(1, corral(alice, "release", "no-such-lease"));
    assertEquals("corral release: no lease with id no-such-lease\n", err());

    assertEquals(1, corral(alice, "lease", "cli-b=50"), "more than the pool has ready");
    assertTrue(err().contains("cli-b") && err().contains("nothing was leased"), err());
  }

  @Test
  void disableProviderTakesItOutOfPlacement_andEnableProviderPutsItBack() {
    assertEquals(1, corral(alice, "disable-provider", "tiny"), "an admin's call");
    assertTrue(err().startsWith("corral disable-provider: only an admin may"), err());

    assertEquals(
        0, corral(root, "disable-provider", "tiny", "--reason", "firmware upgrade"), this::err);
    assertTrue(out().startsWith("provider tiny: disabled (firmware upgrade; by root at "), out());
    JsonNode tiny =
        http.get("/v1/providers").body().findParents("name").stream()
            .filter(p -> p.get("name").asText().equals("tiny"))
            .findFirst()
            .orElseThrow();
    assertEquals("disabled", tiny.get("state").asText(), tiny::toString);

    assertEquals(0, corral(root, "enable-provider", "tiny"), this::err);
    assertEquals("provider tiny: ok\n", out());
    assertEquals(1, corral(root, "enable-provider", "nowhere"));
    assertTrue(err().startsWith("corral enable-provider: "), err());
    assertEquals(2, corral(root, "enable-provider"));
    assertTrue(err().contains("usage: corral enable-provider NAME"), err());
  }

  @Test
  void buildsListsAFailedBuildAndRetryBuildStartsItAgain() {
    http.await("/v1/templates?group=debian-12", LIMIT, templates -> templates.size() > 0);
    ((SimulatedProvider) app.providers().get("sim"))
        .controls()
        .failNextPermanently(Operation.CONFIGURE, "configure script exited 1");
    Http.Reply started =
        http.send(
            "POST",
            "/v1/builds",
            "{\"template\": \"debian-12-raw\", \"provider\": \"sim\"}",
            "X-AUTH-TOKEN",
            root);
    assertEquals(201, started.status(), () -> started.body().toString());
    long id = started.body().get("id").asLong();
    http.await("/v1/builds/" + id, LIMIT, b -> b.get("state").asText().equals("failed"));

    assertEquals(0, corral(root, "builds", "--group", "debian-12"), this::err);
    String row =
        out()
            .lines()
            .filter(l -> l.startsWith(id + " "))
            .findFirst()
            .orElseThrow(() -> new AssertionError(out()));
    assertTrue(
        row.contains("debian-12-raw")
            && row.contains("failed")
            && row.contains("deploy verify configure!")
            && row.contains("configure script exited 1"),
        row);
    assertEquals(0, corral(root, "builds", String.valueOf(id)), this::err);
    assertTrue(
        out().lines().anyMatch(l -> l.startsWith("configure ") && l.contains("failed")), out());
    assertEquals(0, corral(root, "status"), this::err);
    assertTrue(out().contains("1 failed and not retried") && out().contains("configure!"), out());

    assertEquals(0, corral(root, "retry-build", String.valueOf(id)), this::err);
    assertTrue(out().startsWith("build " + id + " retried as build "), out());
    long retry =
        Long.parseLong(out().split("\n")[0].replaceAll(".* retried as build (\\d+) .*", "$1"));
    assertEquals(id, http.get("/v1/builds/" + retry).body().get("retry_of").asLong());
    http.await("/v1/builds/" + retry, LIMIT, b -> b.get("state").asText().equals("succeeded"));
    assertEquals(0, corral(root, "status"), this::err);
    assertTrue(out().contains(", 0 failed and not retried"), out());

    assertEquals(
        1,
        corral(root, "retry-build", String.valueOf(retry)),
        "a build that succeeded is not retried");
    assertTrue(err().startsWith("corral retry-build: "), err());
    assertEquals(1, corral(root, "builds", "999999"));
    assertEquals("corral builds: no build with id 999999\n", err());
  }

  @Test
  void statusShowsPoolsProvidersAndLeasesOnOneScreen() throws IOException {
    assertEquals(0, corral(root, "lease", "cli-b", "--json"), this::err);
    String id = new ObjectMapper().readTree(out()).get("id").asText();

    assertEquals(0, corral(root, "status"), this::err);

    String screen = out();
    assertTrue(screen.startsWith("Corral at " + app.baseUrl() + "\n"), screen);
    assertTrue(
        screen.lines().anyMatch(l -> l.startsWith("cli-a "))
            && screen.lines().anyMatch(l -> l.startsWith("cli-b ")),
        screen);
    assertTrue(
        screen
            .lines()
            .anyMatch(l -> l.startsWith("sim ") && l.contains("simulated") && l.contains(" ok ")),
        screen);
    assertTrue(
        screen.lines().anyMatch(l -> l.matches("Leases: [1-9]\\d* active, \\d+ pending")), screen);
    assertTrue(screen.contains("\nBuilds: "), screen);

    assertEquals(0, corral(null, "status"), this::err);
    assertTrue(out().contains("Leases: not shown (listing leases needs a token)"), out());

    assertEquals(
        200,
        http.send(
                "POST",
                "/v1/providers/tiny/disable",
                "{\"reason\": \"firmware upgrade\"}",
                "X-AUTH-TOKEN",
                root)
            .status());
    assertEquals(0, corral(root, "status"), this::err);
    assertTrue(out().contains("Providers: 2 (1 disabled, 1 ok)"), out());
    assertTrue(
        out()
            .lines()
            .anyMatch(l -> l.startsWith("tiny ") && l.contains("disabled: firmware upgrade")),
        out());
    assertEquals(
        200, http.send("POST", "/v1/providers/tiny/enable", null, "X-AUTH-TOKEN", root).status());

    assertEquals(0, corral(root, "status", "--json"), this::err);
    JsonNode all = new ObjectMapper().readTree(out());
    assertTrue(
        all.get("active_leases").asInt() >= 1 && all.get("pools").size() == 3, all::toString);
    assertFalse(all.get("providers").isEmpty());
    assertEquals(0, corral(root, "release", id), this::err);
  }

  @Test
  void aLeaseThatWaitsShowsInStatusWithWhyAndReleaseCancelsIt() {
    assertEquals(0, corral(alice, "lease", "cli-tiny=3", "--wait", "5m"), this::err);
    assertTrue(
        out().matches("(?s)lease \\S+ is pending until \\S+: waiting for VMs: .*cli-tiny.*"),
        out());
    String id = out().split(" ")[1];

    assertEquals(0, corral(root, "status"), this::err);
    String pending =
        out()
            .lines()
            .filter(l -> l.startsWith("  " + id + " waits until "))
            .findFirst()
            .orElseThrow(() -> new AssertionError(out()));
    assertTrue(pending.contains("cli-tiny") && pending.contains("capacity"), pending);
    assertTrue(
        out().lines().anyMatch(l -> l.matches("Leases: \\d+ active, [1-9]\\d* pending")), out());

    assertEquals(0, corral(alice, "release", id), this::err);
    assertTrue(out().startsWith("lease " + id + " is cancelled"), out());
    assertEquals(
        "cancelled",
        http.send("GET", "/v1/pending-leases/" + id, null, "X-AUTH-TOKEN", alice)
            .body()
            .get("state")
            .asText());
  }
}
