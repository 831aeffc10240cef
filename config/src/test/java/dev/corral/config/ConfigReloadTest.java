package dev.corral.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigReloadTest {
  private static final String RUNNING =
      """
      server: {host: 127.0.0.1, port: 7070}
      providers:
        sim: {type: simulated, max_vms: 10}
      reconcile: {tick: 30s, window: 10m}
      pools:
        - {name: a, template: t, providers: [sim], size: 2}
      """;

  @Test
  void sameFile_changesNothing() {
    ConfigReload reload =
        ConfigReload.between(TestConfigs.load(RUNNING), TestConfigs.load(RUNNING), "f");
    assertEquals(List.of(), reload.changed());
    assertEquals(List.of(), reload.restartRequired());
  }

  @Test
  void liveSections_takeTheNewValues_restartOnlyOnesKeepTheRunningValues() {
    CorralConfig loaded =
        TestConfigs.load(
            """
        server: {host: 127.0.0.1, port: 8080}
        providers:
          sim: {type: simulated, max_vms: 20}
        reconcile: {tick: 5s, window: 10m}
        purge: {dry_run: true}
        quotas: {per_user: {max_vms: 1}}
        pools:
          - {name: a, template: t, providers: [sim], size: 5}
        """);
    ConfigReload reload = ConfigReload.between(TestConfigs.load(RUNNING), loaded, "f");

    assertEquals(List.of("pools", "quotas", "purge"), reload.changed());
    assertEquals(List.of("server.port", "providers", "reconcile.tick"), reload.restartRequired());
    CorralConfig next = reload.next();
    assertEquals(5, next.pools().get(0).size());
    assertEquals(1, next.quotas().perUser().maxVms());
    assertTrue(next.reconcile().dryRun());
    assertEquals(7070, next.server().port());
    assertEquals(10, next.providers().get("sim").maxVms());
    assertEquals(Duration.ofSeconds(30), next.reconcile().tick());
  }

  @Test
  void turningAuthOn_waitsForARestart_andKeepsTheRunningAuthWhole() {
    CorralConfig loaded =
        TestConfigs.load(
            RUNNING
                + """
        auth:
          mode: tokens
          users:
            - {name: root, password: pw, admin: true}
        """);
    ConfigReload reload = ConfigReload.between(TestConfigs.load(RUNNING), loaded, "f");

    assertEquals(List.of("auth.mode"), reload.restartRequired());
    assertEquals(List.of(), reload.changed(), "no half of the auth section applies now");
    assertEquals(AuthConfig.Mode.NONE, reload.next().auth().mode());
    assertEquals(List.of(), reload.next().auth().users());

    CorralConfig withAlice =
        TestConfigs.load(
            RUNNING
                + """
        auth:
          mode: tokens
          users:
            - {name: root, password: pw, admin: true}
            - {name: alice, password: pw2}
        """);
    ConfigReload users = ConfigReload.between(loaded, withAlice, "f");
    assertEquals(List.of("auth"), users.changed(), "users change at once while the mode stays");
    assertEquals(2, users.next().auth().users().size());
  }

  @Test
  void aPoolOnAProviderThatIsNotRunning_failsTheReload_namingThePool() {
    CorralConfig loaded =
        TestConfigs.load(
            """
        providers:
          sim: {type: simulated}
          lab: {type: simulated}
        pools:
          - {name: a, template: t, providers: [sim], size: 2}
          - {name: b, template: t, providers: [lab], size: 1}
        """);
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigReload.between(TestConfigs.load(RUNNING), loaded, "corral.yaml"));
    assertEquals("corral.yaml", e.sourceName());
    ConfigProblem problem = TestConfigs.problemAt(e, "pools[1].providers");
    assertTrue(problem.message().contains("'lab' is not running"), problem::message);
  }
}
