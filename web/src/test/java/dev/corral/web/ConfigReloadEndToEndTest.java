package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ConfigSource;
import dev.corral.web.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A running Corral reads its config file again: good changes apply at once, a bad file changes
 * nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigReloadEndToEndTest {
  private static final Duration FILL = Duration.ofSeconds(60);
  private static final String BASE =
      """
      data_dir: %s
      server: {host: 127.0.0.1, port: 0}
      auth:
        mode: tokens
        users:
          - {name: alice, password: alice-pw}
          - {name: root, password: root-pw, admin: true}
      providers:
        sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 30, max_concurrent_clones: 10}
      """;
  static Path dataDir;
  static Path file;
  static CorralApp app;
  static Http http;
  static String alice;
  static String root;

  @BeforeAll
  static void start() throws IOException {
    dataDir = TestDirs.fresh("e2e-reload");
    file = Files.createDirectories(dataDir).resolve("corral.yaml");
    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: 2}
        """);
    app =
        CorralApp.start(
            ConfigSource.file(file, Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(50)));
    http = new Http(app.baseUrl());
    alice = http.token("alice", "alice-pw");
    root = http.token("root", "root-pw");
    http.await("/v1/pools", FILL, pools -> Http.pool(pools, "small").get("ready").asInt() == 2);
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static void write(String rest) throws IOException {
    Files.writeString(file, BASE.formatted(dataDir) + rest);
  }

  private static Http.Reply reload(String token) {
    return http.send("POST", "/v1/config/reload", null, "X-AUTH-TOKEN", token);
  }

  @Test
  @Order(1)
  void badFile_isRejectedWithEveryProblem_andTheRunningConfigStays() throws IOException {
    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: -1}
          - {name: other, template: t, providers: [nowhere], size: 1}
        quotas: {per_user: {max_vms: lots}}
        """);
    Http.Reply rejected = reload(root);
    assertEquals(422, rejected.status(), () -> rejected.body().toString());
    assertEquals(
        "invalid_config", rejected.body().get("code").asText(), () -> rejected.body().toString());
    List<String> keys = new ArrayList<>();
    rejected
        .body()
        .get("detail")
        .get("problems")
        .forEach(p -> keys.add(p.get("key").asText() + "@" + p.get("line").asInt()));
    assertTrue(keys.contains("pools[0].size@11"), keys::toString);
    assertTrue(
        keys.contains("pools[1].providers[0]@12") || keys.contains("pools[1].providers@12"),
        keys::toString);
    assertTrue(
        keys.stream().anyMatch(k -> k.startsWith("quotas.per_user.max_vms@13")), keys::toString);

    JsonNode pools = http.get("/v1/pools").body();
    assertEquals(1, pools.size(), pools::toString);
    assertEquals(2, Http.pool(pools, "small").get("size").asInt());
  }

  @Test
  @Order(2)
  void onlyAnAdmin_mayReload() throws IOException {
    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: 2}
        """);
    assertEquals(403, reload(alice).status());
    assertEquals(401, http.send("POST", "/v1/config/reload", null).status());
  }

  @Test
  @Order(3)
  void goodFile_resizesAndAddsPools_andSetsQuotas_atOnce() throws IOException {
    write(
        """
        quotas: {per_user: {max_vms: 1}}
        pools:
          - {name: small, template: t, providers: [sim], size: 4}
          - {name: added, alias: [extra], template: t, providers: [sim], size: 2}
        """);
    Http.Reply reloaded = reload(root);
    assertEquals(200, reloaded.status(), () -> reloaded.body().toString());
    assertEquals(List.of("pools", "quotas"), names(reloaded.body().get("changed")));
    assertEquals(List.of(), names(reloaded.body().get("restart_required")));

    http.await(
        "/v1/pools",
        FILL,
        pools ->
            pools.size() == 2
                && Http.pool(pools, "small").get("ready").asInt() == 4
                && Http.pool(pools, "added").get("ready").asInt() == 2);
    // The new alias and the new quota hold for the next lease.
    Http.Reply first =
        http.send("POST", "/v1/leases", "{\"vms\": {\"extra\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(201, first.status(), () -> first.body().toString());
    Http.Reply second =
        http.send("POST", "/v1/leases", "{\"vms\": {\"small\": 1}}", "X-AUTH-TOKEN", alice);
    assertEquals(429, second.status(), () -> second.body().toString());
    assertTrue(
        second.body().toString().contains("quotas.per_user"), () -> second.body().toString());
    assertEquals(
        200,
        http.send(
                "DELETE",
                "/v1/leases/" + first.body().get("id").asText(),
                null,
                "X-AUTH-TOKEN",
                alice)
            .status());
  }

  @Test
  @Order(4)
  void restartOnlyChanges_areNamed_andTheRestStillApplies() throws IOException {
    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: 1}
        """);
    Files.writeString(file, Files.readString(file).replace("port: 0", "port: 1"));
    Http.Reply reloaded = reload(root);
    assertEquals(200, reloaded.status(), () -> reloaded.body().toString());
    assertEquals(List.of("server.port"), names(reloaded.body().get("restart_required")));
    assertTrue(names(reloaded.body().get("changed")).contains("pools"));
    // Still answering on the old port; the removed pool drains and the resized one shrinks.
    http.await(
        "/v1/pools",
        FILL,
        pools -> pools.size() == 1 && Http.pool(pools, "small").get("size").asInt() == 1);
  }

  @Test
  @Order(5)
  void aPoolOnANewProvider_waitsForARestart_andNothingChanges() throws IOException {
    write(
        """
          lab: {type: simulated, max_vms: 5}
        pools:
          - {name: small, template: t, providers: [sim], size: 3}
          - {name: labpool, template: t, providers: [lab], size: 1}
        """);
    Http.Reply rejected = reload(root);
    assertEquals(422, rejected.status(), () -> rejected.body().toString());
    assertTrue(
        rejected.body().get("detail").get("problems").toString().contains("pools[1].providers"),
        () -> rejected.body().toString());
    JsonNode pools = http.get("/v1/pools").body();
    assertEquals(1, pools.size(), pools::toString);
    assertEquals(1, Http.pool(pools, "small").get("size").asInt(), pools::toString);
  }

  @Test
  @Order(6)
  void theCli_printsEveryProblemOfABadFile_thenWhatAGoodOneChanged() throws IOException {
    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: -1}
        """);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env = Map.of("CORRAL_URL", app.baseUrl(), "CORRAL_TOKEN", root);
    assertEquals(
        1,
        Cli.run(
            new String[] {"config", "reload"},
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)));
    String problems = err.toString(StandardCharsets.UTF_8);
    assertTrue(
        problems.contains("the running config is kept")
            && problems.contains("line 11: pools[0].size: "),
        problems);

    write(
        """
        pools:
          - {name: small, template: t, providers: [sim], size: 2}
        """);
    out.reset();
    assertEquals(
        0,
        Cli.run(
            new String[] {"config", "reload"},
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8)));
    String done = out.toString(StandardCharsets.UTF_8);
    assertTrue(done.startsWith("reloaded ") && done.endsWith("corral.yaml: changed pools\n"), done);
    http.await("/v1/pools", FILL, pools -> Http.pool(pools, "small").get("size").asInt() == 2);
  }

  private static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(n -> names.add(n.asText()));
    return names;
  }
}
