package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDatabase;
import dev.corral.activities.testing.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code kill -HUP} makes a running Corral read its config file again, as {@code corral serve} runs it. */
class ReloadSignalTest {
  private static final Duration WITHIN = Duration.ofSeconds(90);

  @Test
  void sighup_appliesAGoodFile_andKeepsTheRunningConfigForABadOne() throws Exception {
    Path root = Files.createDirectories(TestDirs.fresh("sighup"));
    int port = CorralProcess.freePort();
    Path config = root.resolve("corral.yaml");
    Path log = root.resolve("corral.log");
    String head = """
        data_dir: %s
        server: {host: 127.0.0.1, port: %d}
        database: {url: "%s", user: %s}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        """.formatted(root.resolve("data"), port, TestDatabase.jdbcUrlOf(TestDatabase.freshDatabaseName()),
        TestDatabase.user());
    Files.writeString(config, head + "pools:\n  - {name: p, template: t, size: 1}\n");
    Http http = new Http("http://127.0.0.1:" + port);
    try (CorralProcess corral = CorralProcess.start(config, log).awaitUp(http, WITHIN)) {
      http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 1);

      Files.writeString(config, head + "pools:\n  - {name: p, template: t, size: 3}\n");
      corral.hangUp();
      http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 3);

      Files.writeString(config, head + "pools:\n  - {name: p, template: t, size: many}\n");
      corral.hangUp();
      long deadline = System.nanoTime() + WITHIN.toNanos();
      while (!Files.readString(log).contains("SIGHUP: the config was not reloaded") && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      String text = Files.readString(log);
      assertTrue(text.contains("SIGHUP: the config was not reloaded"), "no rejection in the log");
      assertTrue(text.contains("pools[0].size"), "the rejection does not name the key");
      assertTrue(corral.alive(), "a bad file must not stop Corral");
      assertEquals(3, Http.pool(http.get("/v1/pools").body(), "p").get("size").asInt());
    }
  }
}
