package dev.corral.activities.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.corral.activities.inventory.ProviderHealth;
import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.store.ConfigSync;
import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool and provider gauges come from the database, read once per maximum age for all of them.
 */
class InventoryGaugesTest {
  private static final Duration MAX_AGE = Duration.ofMillis(300);
  private Db db;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void freshDatabase() {
    db = TestDatabase.freshDb();
  }

  @AfterEach
  void closeDatabase() {
    db.close();
  }

  @Test
  void poolGauges_countVmsByState_fromACachedRead_andFollowPoolsInAndOut()
      throws InterruptedException {
    configure(pool("p", 3), pool("gone", 1));
    Instant now = Instant.now();
    db.inTransaction(
        s -> {
          VmMapper vms = s.getMapper(VmMapper.class);
          for (String name : List.of("p-1", "p-2", "p-3", "p-4", "p-5")) {
            vms.insertProvisioning(name, "p", "a", "tpl", now);
          }
          vms.markReady("p-1", "p-1", "10.0.0.1", null, now);
          vms.markReady("p-2", "p-2", "10.0.0.2", null, now);
          vms.markFailed("p-4", 3, "boot timeout", now);
          vms.markDestroyed("p-5", now.minus(Duration.ofDays(2)));
          return null;
        });
    InventoryGauges gauges =
        new InventoryGauges(db, Clock.systemUTC(), registry, List.of("a"), MAX_AGE);
    gauges.sync();

    assertEquals(2, vms("p", "ready"));
    assertEquals(1, vms("p", "provisioning"));
    assertEquals(1, vms("p", "failed"));
    assertEquals(0, vms("p", "destroyed"), "destroyed two days ago: outside the 24 h window");
    assertEquals(0, vms("p", "leased"));
    assertEquals(3, size("p"));
    assertEquals(0, vms("gone", "ready"));
    assertEquals(1, size("gone"));

    db.inTransaction(
        s -> s.getMapper(VmMapper.class).markReady("p-3", "p-3", "10.0.0.3", null, Instant.now()));
    assertEquals(2, vms("p", "ready"), "within the maximum age the gauges show the same read");
    Thread.sleep(MAX_AGE.toMillis() + 50);
    assertEquals(3, vms("p", "ready"), "then read again");

    configure(pool("p", 5));
    Thread.sleep(MAX_AGE.toMillis() + 50);
    gauges.sync();
    assertEquals(5, size("p"));
    assertNull(
        registry.find("corral.pool.size").tag("pool", "gone").gauge(),
        "a removed pool without VMs");
    assertNull(registry.find("corral.pool.vms").tag("pool", "gone").gauge());
  }

  @Test
  void providerCircuit_showsFailing_afterItsLastVmsAllFailed() {
    configure(pool("p", 0));
    InventoryGauges gauges =
        new InventoryGauges(db, Clock.systemUTC(), registry, List.of("a"), Duration.ZERO);
    assertEquals(1, circuit("a", "ok"));
    Instant now = Instant.now();
    db.inTransaction(
        s -> {
          VmMapper vms = s.getMapper(VmMapper.class);
          for (int i = 0; i < ProviderHealth.FAILING_AFTER; i++) {
            vms.insertProvisioning("broken-" + i, "p", "a", "tpl", now);
            vms.markFailed("broken-" + i, 3, "boot timeout", now.plusMillis(i));
          }
          return null;
        });
    gauges.sync();
    assertEquals(0, circuit("a", "ok"));
    assertEquals(1, circuit("a", "failing"));
    assertEquals(0, circuit("a", "half_open"));
  }

  private double vms(String pool, String state) {
    return registry.get("corral.pool.vms").tags("pool", pool, "state", state).gauge().value();
  }

  private double size(String pool) {
    return registry.get("corral.pool.size").tag("pool", pool).gauge().value();
  }

  private double circuit(String provider, String state) {
    return registry
        .get("corral.provider.circuit")
        .tags("provider", provider, "state", state)
        .gauge()
        .value();
  }

  private void configure(PoolConfig... pools) {
    SimulatedSettings sim =
        new SimulatedSettings(
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SimulatedSettings.FailPercent.NONE,
            0,
            null);
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    providers.put("a", new ProviderConfig("a", "simulated", 100, 10, sim));
    new ConfigSync(db)
        .apply(
            CorralConfig.builder().providers(providers).pools(List.of(pools)).build(),
            Instant.now());
  }

  private static PoolConfig pool(String name, int size) {
    return PoolConfig.builder(name)
        .template("tpl")
        .providers(List.of("a"))
        .size(size)
        .readyTtl(Duration.ofHours(1))
        .build();
  }
}
