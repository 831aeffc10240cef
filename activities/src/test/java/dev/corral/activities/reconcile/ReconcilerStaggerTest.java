package dev.corral.activities.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.store.Db;
import dev.corral.activities.temporal.ShepherdNudger;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.activities.testing.Seed;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ReconcileConfig;
import dev.corral.workflows.model.ReconcileInput;
import dev.corral.workflows.model.ReconcilePass;
import dev.corral.workflows.model.ReconcileRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Staggering: provider calls per tick stay flat, and every VM is checked within the window. */
class ReconcilerStaggerTest {
  static final String PROVIDER = "big";
  static final Duration TICK = Duration.ofSeconds(30);
  static final Duration WINDOW = TICK.multipliedBy(10);

  @Test
  void aThousandVmsInATenTickWindowCostAHundredLookupsPerTickAndAreAllCheckedWithinTheWindow() {
    try (Db db = TestDatabase.freshDb()) {
      Seed.pool(db, "big-pool", PROVIDER, 1000);
      Seed.readyVms(db, "big-pool", PROVIDER, "corral-big", 1000);
      CountingProvider provider = new CountingProvider();
      for (int i = 0; i < 1000; i++) {
        provider.vms.add("corral-big-" + i);
      }
      MutableClock clock = new MutableClock(Instant.now());
      Reconciler reconciler = reconciler(db, provider, clock);
      ReconcileInput loop = new ReconcileInput(PROVIDER, TICK, WINDOW, 0);

      Map<String, Integer> checksPerVm = new HashMap<>();
      for (int tick = 0; tick < 20; tick++) {
        provider.gets.clear();
        ReconcilePass pass = reconciler.pass(ReconcileRequest.tick(loop));
        assertEquals(100, provider.gets.size(), "lookups at tick " + tick);
        assertEquals(
            provider.gets,
            provider.probes,
            "readiness probes at tick " + tick + ": the looked-up VMs");
        provider.probes.clear();
        assertEquals(100, pass.checked());
        assertEquals(0, pass.lost());
        provider.gets.forEach(name -> checksPerVm.merge(name, 1, Integer::sum));
        if (tick == 9) {
          assertEquals(1000, checksPerVm.size(), "every VM checked within the first window");
        }
        loop = loop.next();
        clock.advance(TICK);
      }
      assertTrue(
          checksPerVm.values().stream().allMatch(n -> n == 2), "each VM checked once per window");
      assertEquals(2, provider.listings.get(), "the inventory is listed once per window");
    }
  }

  @Test
  void vmChecktime_checksReadyVmsOnTheirOwnShorterCycle_atAFlatRate() {
    try (Db db = TestDatabase.freshDb()) {
      Seed.pool(db, "big-pool", PROVIDER, 1000);
      Seed.readyVms(db, "big-pool", PROVIDER, "corral-big", 1000);
      CountingProvider provider = new CountingProvider();
      for (int i = 0; i < 1000; i++) {
        provider.vms.add("corral-big-" + i);
      }
      MutableClock clock = new MutableClock(Instant.now());
      Reconciler reconciler = reconciler(db, provider, clock, TICK.multipliedBy(2));
      ReconcileInput loop = new ReconcileInput(PROVIDER, TICK, WINDOW, 0);

      Map<String, Integer> checksPerVm = new HashMap<>();
      for (int tick = 0; tick < 10; tick++) {
        provider.gets.clear();
        reconciler.pass(ReconcileRequest.tick(loop));
        assertEquals(
            500,
            provider.gets.size(),
            "lookups at tick " + tick + ": 1000 ready VMs over a 2-tick checktime");
        provider.gets.forEach(name -> checksPerVm.merge(name, 1, Integer::sum));
        loop = loop.next();
        clock.advance(TICK);
      }
      assertEquals(1000, checksPerVm.size());
      assertTrue(
          checksPerVm.values().stream().allMatch(n -> n == 5),
          "each ready VM checked every second tick");
    }
  }

  @Test
  void theTickShareIsTheCeilingOfTotalTimesTickOverWindow() {
    assertEquals(0, Reconciler.share(0, TICK, WINDOW));
    assertEquals(1, Reconciler.share(1, TICK, WINDOW));
    assertEquals(100, Reconciler.share(1000, TICK, WINDOW));
    assertEquals(5, Reconciler.share(41, TICK, WINDOW));
    assertEquals(7, Reconciler.share(7, TICK, TICK));
  }

  static Reconciler reconciler(Db db, VmProvider provider, Clock clock) {
    return reconciler(db, provider, clock, null);
  }

  private static Reconciler reconciler(
      Db db, VmProvider provider, Clock clock, Duration vmChecktime) {
    SimulatedSettings settings =
        new SimulatedSettings(
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SimulatedSettings.FailPercent.NONE,
            0,
            null);
    ProviderRegistry registry =
        new ProviderRegistry(
            Map.of(PROVIDER, provider),
            Map.of(PROVIDER, new ProviderConfig(PROVIDER, "simulated", 100_000, 10, settings)));
    // No VM is lost here, so neither Temporal client is ever called.
    return new Reconciler(
        db,
        registry,
        new VmWorkflows(null),
        new ShepherdNudger(null),
        clock,
        new ReconcileConfig(TICK, WINDOW, false, List.of(), vmChecktime),
        new ReconcileStats());
  }

  /** Holds names only; counts the lookups and listings the reconciler makes. */
  static final class CountingProvider implements VmProvider {
    final Set<String> vms = ConcurrentHashMap.newKeySet();
    final List<String> gets = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<String> probes = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger listings = new AtomicInteger();

    @Override
    public String name() {
      return PROVIDER;
    }

    @Override
    public Optional<ProviderVm> get(String vmName) {
      gets.add(vmName);
      return vms.contains(vmName) ? Optional.of(vm(vmName)) : Optional.empty();
    }

    @Override
    public List<ProviderVm> inventory() {
      listings.incrementAndGet();
      return vms.stream().map(CountingProvider::vm).toList();
    }

    private static ProviderVm vm(String name) {
      return new ProviderVm(
          name, "tpl", ProviderVm.PowerState.RUNNING, name, "10.0.0.1", Instant.EPOCH);
    }

    @Override
    public void destroy(String vmName) {
      vms.remove(vmName);
    }

    @Override
    public ProviderVm cloneVm(String vmName, String template) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Readiness checkReady(String vmName) {
      // The health check probes each ready VM it looks up: one more call per checked VM, never
      // more.
      probes.add(vmName);
      return Readiness.ready(vmName, "10.0.0.1");
    }

    @Override
    public List<ProviderTemplate> templates() {
      return List.of();
    }

    @Override
    public ProviderVm deploy(String vmName, String template) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<String> guestVersion(String vmName) {
      return Optional.empty();
    }

    @Override
    public void configure(String vmName, Map<String, String> settings) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void seal(String vmName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void powerOff(String vmName, Duration graceful) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ProviderTemplate createTemplate(String vmName, String templateName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void deleteTemplate(String templateName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void snapshot(String vmName, String snapshotId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void revertSnapshot(String vmName, String snapshotId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addDisk(String vmName, String diskId, int sizeGb) {
      throw new UnsupportedOperationException();
    }
  }

  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
