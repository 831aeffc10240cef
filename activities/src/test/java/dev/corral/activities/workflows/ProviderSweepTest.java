package dev.corral.activities.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.inventory.ProviderSweep;
import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ReconcileConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The start-up sweep on the real database, workflows and simulated provider (issue 5's crash
 * recovery).
 */
class ProviderSweepTest {

  @Test
  void
      unknownVmsAreDestroyed_deadReadyVmsRetiredAndReplaced_liveKnownVmsAdopted_allowlistedAndForeignKept() {
    try (CorralHarness corral = CorralHarness.start(new CorralHarness.Options())) {
      corral.applyConfig(CorralHarness.pool("swept", 3, 3));
      corral.startShepherd("swept");
      corral.awaitSettled("swept", 3);
      String dead = corral.rows("swept", VmStates.READY).get(0).name();
      corral.provider.powerOff(dead, Duration.ZERO);
      corral.provider.cloneVm("corral-unknown1", "t");
      corral.provider.cloneVm("corral-keep-1", "t");
      corral.provider.cloneVm("someone-elses", "t");
      ProviderRegistry registry =
          new ProviderRegistry(
              Map.<String, VmProvider>of(CorralHarness.PROVIDER, corral.provider),
              Map.of(
                  CorralHarness.PROVIDER,
                  new ProviderConfig(CorralHarness.PROVIDER, "simulated", 100, 10, null)));

      ProviderSweep.Outcome outcome =
          new ProviderSweep(
                  corral.db,
                  registry,
                  new VmWorkflows(corral.client),
                  corral.clock,
                  new ReconcileConfig(
                      Duration.ofSeconds(30),
                      Duration.ofMinutes(10),
                      false,
                      List.of("corral-keep-*"),
                      Duration.ofMinutes(10)))
              .run();

      assertEquals(1, outcome.destroyedUnknown());
      assertEquals(1, outcome.retiredDead());
      assertEquals(2, outcome.adopted(), "the two live ready VMs");
      assertTrue(
          corral.provider.get("corral-unknown1").isEmpty(), "an unknown Corral VM is destroyed");
      assertTrue(corral.provider.get("corral-keep-1").isPresent(), "purge.allowlist keeps it");
      assertTrue(
          corral.provider.get("someone-elses").isPresent(),
          "names outside Corral's scope are never touched");
      assertEquals("lost: found powered_off on sim at start-up", corral.row(dead).retireReason());
      corral.awaitSettled("swept", 3);
      assertTrue(
          !CorralHarness.names(corral.rows("swept", VmStates.READY)).contains(dead), "replaced");
    }
  }

  @Test
  void aVmAnotherInstanceClonesDuringTheSweep_isKnownByThenAndNeverDestroyed() {
    try (CorralHarness corral = CorralHarness.start(new CorralHarness.Options())) {
      corral.applyConfig(CorralHarness.pool("racing", 0, 3));
      // Stands for another Corral instance: while the sweep lists the provider, it reserves a VM
      // (its row
      // first, as every clone does) and the provider makes it, so the listing shows a VM the sweep
      // never saw.
      VmProvider racing =
          (VmProvider)
              Proxy.newProxyInstance(
                  VmProvider.class.getClassLoader(),
                  new Class<?>[] {VmProvider.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("inventory")) {
                      corral.db.inTransaction(
                          session ->
                              session
                                  .getMapper(VmMapper.class)
                                  .insertProvisioning(
                                      "corral-racing1",
                                      "racing",
                                      CorralHarness.PROVIDER,
                                      "t",
                                      corral.clock.instant()));
                      corral.provider.cloneVm("corral-racing1", "t");
                    }
                    try {
                      return method.invoke(corral.provider, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      ProviderRegistry registry =
          new ProviderRegistry(
              Map.of(CorralHarness.PROVIDER, racing),
              Map.of(
                  CorralHarness.PROVIDER,
                  new ProviderConfig(CorralHarness.PROVIDER, "simulated", 100, 10, null)));

      ProviderSweep.Outcome outcome =
          new ProviderSweep(corral.db, registry, new VmWorkflows(corral.client), corral.clock)
              .run();

      assertEquals(0, outcome.destroyedUnknown());
      assertTrue(
          corral.provider.get("corral-racing1").isPresent(), "the other instance's clone survives");
    }
  }
}
