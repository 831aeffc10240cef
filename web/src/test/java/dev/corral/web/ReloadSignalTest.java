package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.testing.TestDatabase;
import dev.corral.activities.testing.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -HUP} makes a running Corral read its config file again, as {@code corral serve} runs
 * it.
 */
class ReloadSignalTest {
  private static final Duration WITHIN = Duration.ofSeconds(90);

  @Test
  void sighup_appliesAGoodFile_andKeepsTheRunningConfigForABadOne() throws Exception {
    Setup s = setup("sighup");
    try (CorralProcess corral = CorralProcess.start(s.config, s.log).awaitUp(s.http, WITHIN)) {
      s.http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 1);

      Files.writeString(s.config, s.head + "pools:\n  - {name: p, template: t, size: 3}\n");
      corral.hangUp();
      s.http.await("/v1/pools", WITHIN, pools -> Http.pool(pools, "p").get("ready").asInt() == 3);

      Files.writeString(s.config, s.head + "pools:\n  - {name: p, template: t, size: many}\n");
      corral.hangUp();
      String text = awaitLog(s.log, "SIGHUP: the config was not reloaded");
      assertTrue(text.contains("pools[0].size"), "the rejection does not name the key");
      assertTrue(corral.alive(), "a bad file must not stop Corral");
      assertEquals(3, Http.pool(s.http.get("/v1/pools").body(), "p").get("size").asInt());
    }
  }

  @Test
  void startedUnderNohup_saysSighupCannotReload_andKeepsRunningOnIt() throws Exception {
    Setup s = setup("sighup-nohup");
    try (CorralProcess corral =
        CorralProcess.startIgnoringHangUp(s.config, s.log).awaitUp(s.http, WITHIN)) {
      awaitLog(
          s.log,
          "SIGHUP is ignored by this process (started under nohup?), so it cannot reload the config");

      corral.hangUp();

      assertEquals(200, s.http.get("/v1/pools").status());
      assertTrue(corral.alive(), "nohup means a hang-up does not stop Corral");
    }
  }

  private record Setup(Path config, Path log, String head, Http http) {}

  private static Setup setup(String prefix) throws Exception {
    Path root = Files.createDirectories(TestDirs.fresh(prefix));
    int port = CorralProcess.freePort();
    String head =
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: %d}
        database: {url: "%s", user: %s, password: "%s"}
        providers:
          sim: {type: simulated, clone_seconds: 0.05, boot_seconds: 0.05, max_vms: 10}
        """
            .formatted(
                root.resolve("data"),
                port,
                TestDatabase.jdbcUrlOf(TestDatabase.freshDatabaseName()),
                TestDatabase.user(),
                TestDatabase.password());
    Path config = root.resolve("corral.yaml");
    Files.writeString(config, head + "pools:\n  - {name: p, template: t, size: 1}\n");
    return new Setup(
        config, root.resolve("corral.log"), head, new Http("http://127.0.0.1:" + port));
  }

  /** The log's text once it contains {@code line}; fails after {@link #WITHIN}. */
  private static String awaitLog(Path log, String line) throws Exception {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.readString(log);
      if (text.contains(line)) {
        return text;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the log never said: " + line + "\n" + Files.readString(log));
  }
}
