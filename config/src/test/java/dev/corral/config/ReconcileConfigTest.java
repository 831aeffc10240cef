package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** reconcile: {tick, window} and purge: {dry_run, allowlist}. */
class ReconcileConfigTest {

  @Test
  void withoutTheKeysTheReconcilerChecksEveryVmEveryTenMinutesInThirtySecondTicksAndPurges() {
    ReconcileConfig c = load("pools: []\n").reconcile();

    assertEquals(
        new ReconcileConfig(
            Duration.ofSeconds(30),
            Duration.ofMinutes(10),
            false,
            List.of("corral-keep-*"),
            Duration.ofMinutes(10)),
        c);
  }

  @Test
  void keysAreReadAsWritten() {
    ReconcileConfig c =
        load("""
        reconcile: {tick: 5s, window: 2m}
        purge:
          dry_run: true
          allowlist: ["corral-keep-*", "corral-db?"]
        pools: []
        """)
            .reconcile();

    assertEquals(
        new ReconcileConfig(
            Duration.ofSeconds(5),
            Duration.ofMinutes(2),
            true,
            List.of("corral-keep-*", "corral-db?"),
            Duration.ofMinutes(2)),
        c);
  }

  @Test
  void allowlistGlobsMatchWholeNamesOnly() {
    ReconcileConfig c =
        new ReconcileConfig(
            Duration.ofSeconds(1),
            Duration.ofMinutes(1),
            false,
            List.of("corral-keep-*", "corral-db?"),
            Duration.ofMinutes(1));

    assertTrue(c.allowlisted("corral-keep-build-7"));
    assertTrue(c.allowlisted("corral-db1"));
    assertFalse(c.allowlisted("corral-db12"));
    assertFalse(c.allowlisted("x-corral-keep-1"));
    assertFalse(c.allowlisted("corral-abc.def"));
  }

  @Test
  void aWindowShorterThanTheTickIsRejectedWithItsLine() {
    ConfigException e =
        failure(
            """
        pools: []
        reconcile:
          tick: 1m
          window: 30s
        """);

    ConfigProblem p = problemAt(e, "reconcile.window");
    assertEquals(4, p.line());
    assertTrue(p.message().contains("at least reconcile.tick"), p.message());
  }

  @Test
  void aTickBelowOneSecondAndUnknownKeysAreRejected() {
    ConfigException e =
        failure(
            """
        pools: []
        reconcile: {tick: 500ms}
        purge: {dryrun: true}
        """);

    assertTrue(problemAt(e, "reconcile.tick").message().contains("at least 1s"), e.getMessage());
    problemAt(e, "purge.dryrun");
  }

  @Test
  void vmChecktime_defaultsToTheWindow_andIsReadAsWritten() {
    assertEquals(Duration.ofMinutes(10), load("pools: []\n").reconcile().vmChecktime());
    ReconcileConfig c =
        load("""
        reconcile: {tick: 10s, window: 10m, vm_checktime: 1m}
        pools: []
        """)
            .reconcile();
    assertEquals(Duration.ofMinutes(1), c.vmChecktime());
  }

  @Test
  void vmChecktime_outsideTickToWindow_isRejectedWithItsLine() {
    ConfigException shorter =
        failure(
            """
        pools: []
        reconcile:
          tick: 30s
          vm_checktime: 10s
        """);
    ConfigProblem p = problemAt(shorter, "reconcile.vm_checktime");
    assertEquals(4, p.line());
    assertTrue(
        p.message().contains("from reconcile.tick (30s) to reconcile.window (10m)"), p.message());
    problemAt(
        failure(
            """
        pools: []
        reconcile: {window: 5m, vm_checktime: 1h}
        """),
        "reconcile.vm_checktime");
  }
}
