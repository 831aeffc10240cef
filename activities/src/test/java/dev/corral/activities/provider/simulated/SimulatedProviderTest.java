package dev.corral.activities.provider.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedSettings.FailPercent;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedProviderTest {
  private static final Duration BOOT = Duration.ofSeconds(30);

  private Path dir;
  private Path stateFile;
  private MutableClock clock;
  private final List<Duration> slept = new CopyOnWriteArrayList<>();
  private final Sleeper recordingSleeper = slept::add;

  @BeforeEach
  void setUp() {
    dir = Path.of("target", "test-sim-" + UUID.randomUUID());
    stateFile = dir.resolve("providers").resolve("sim.json");
    clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  }

  @AfterEach
  void tearDown() {
    TestDirs.delete(dir);
  }

  private static SimulatedSettings settings(FailPercent fail, double powerOffPercent) {
    return new SimulatedSettings(
        SecondsRange.fixed(5),
        SecondsRange.fixed(BOOT.toSeconds()),
        SecondsRange.fixed(2),
        fail,
        powerOffPercent,
        null);
  }

  private SimulatedProvider provider(int maxVms, SimulatedSettings settings, long seed) {
    ProviderConfig config = new ProviderConfig("sim", "simulated", maxVms, 10, settings);
    return new SimulatedProvider(
        config, settings, stateFile, clock, new SplittableRandom(seed), recordingSleeper);
  }

  private SimulatedProvider provider(int maxVms) {
    return provider(maxVms, settings(FailPercent.NONE, 0), 1);
  }

  // --- clone --------------------------------------------------------------------------------

  @Test
  void cloneCreatesBootingVmWithHostnameAndFakeIpAfterSleepingCloneTime() {
    SimulatedProvider p = provider(10);
    ProviderVm vm = p.cloneVm("vm-1", "debian-12");

    assertEquals("vm-1", vm.name());
    assertEquals("debian-12", vm.template());
    assertEquals(PowerState.BOOTING, vm.powerState());
    assertEquals("vm-1", vm.hostname());
    assertTrue(vm.ip().startsWith("198.18.") || vm.ip().startsWith("198.19."), vm.ip());
    assertEquals(clock.instant(), vm.createdAt());
    assertEquals(List.of(Duration.ofSeconds(5)), slept);
  }

  @Test
  void cloneIsIdempotentByName() {
    SimulatedProvider p = provider(10);
    ProviderVm first = p.cloneVm("vm-1", "debian-12");
    ProviderVm again = p.cloneVm("vm-1", "debian-12");

    assertEquals(first, again);
    assertEquals(1, p.inventory().size());
    assertEquals(1, slept.size(), "the second call must not clone again");
  }

  @Test
  void clonesGetDistinctAddresses() {
    SimulatedProvider p = provider(100);
    Set<String> ips = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      ips.add(p.cloneVm("vm-" + i, "t").ip());
    }
    assertEquals(50, ips.size());
  }

  @Test
  void cloneAtMaxVmsFailsWithCapacityExceededAndCreatesNothing() {
    SimulatedProvider p = provider(2);
    p.cloneVm("a", "t");
    p.cloneVm("b", "t");

    ProviderException e = assertThrows(ProviderException.class, () -> p.cloneVm("c", "t"));
    assertTrue(e.permanent());
    assertEquals(ErrorTypes.CAPACITY_EXCEEDED, e.errorType());
    assertTrue(p.get("c").isEmpty());
    assertEquals(List.of("a", "b"), p.inventory().stream().map(ProviderVm::name).toList());
  }

  @Test
  void cloneOfExistingNameAtMaxVmsStillReturnsIt() {
    SimulatedProvider p = provider(1);
    ProviderVm vm = p.cloneVm("a", "t");
    assertEquals(vm, p.cloneVm("a", "t"));
  }

  @Test
  void forcedCloneFailureLeavesBrokenVmThatDestroyRemoves() {
    SimulatedProvider p = provider(10);
    p.controls().failNext(Operation.CLONE, "datastore full");

    ProviderException e = assertThrows(ProviderException.class, () -> p.cloneVm("vm-1", "t"));
    assertTrue(e.permanent());
    assertEquals(ErrorTypes.CLONE_FAILED, e.errorType());
    assertTrue(e.getMessage().contains("simulated clone failure"), e.getMessage());
    assertTrue(e.getMessage().contains("datastore full"), e.getMessage());

    assertEquals(PowerState.BROKEN, p.get("vm-1").orElseThrow().powerState());
    assertEquals(Readiness.State.FAILED, p.checkReady("vm-1").state());

    p.destroy("vm-1");
    assertTrue(p.get("vm-1").isEmpty());
    assertTrue(p.inventory().isEmpty());

    // The hook is one-shot: the next clone works.
    assertEquals(PowerState.BOOTING, p.cloneVm("vm-2", "t").powerState());
  }

  @Test
  void brokenVmsCountAgainstMaxVms() {
    SimulatedProvider p = provider(1);
    p.controls().failNext(Operation.CLONE, "x");
    assertThrows(ProviderException.class, () -> p.cloneVm("a", "t"));
    ProviderException e = assertThrows(ProviderException.class, () -> p.cloneVm("b", "t"));
    assertEquals(ErrorTypes.CAPACITY_EXCEEDED, e.errorType());
  }

  @Test
  void interruptedCloneThrowsTransientRestoresFlagAndLeavesBrokenVm() {
    ProviderConfig config =
        new ProviderConfig("sim", "simulated", 10, 10, settings(FailPercent.NONE, 0));
    SimulatedProvider p =
        new SimulatedProvider(
            config,
            (SimulatedSettings) config.settings(),
            stateFile,
            clock,
            new SplittableRandom(1),
            d -> {
              throw new InterruptedException();
            });
    try {
      ProviderException e = assertThrows(ProviderException.class, () -> p.cloneVm("vm-1", "t"));
      assertFalse(e.permanent());
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
    assertEquals(PowerState.BROKEN, p.get("vm-1").orElseThrow().powerState());
  }

  // --- destroy ------------------------------------------------------------------------------

  @Test
  void destroyOfUnknownVmSucceeds() {
    SimulatedProvider p = provider(10);
    p.destroy("never-existed");
    assertTrue(p.inventory().isEmpty());
  }

  @Test
  void destroyRemovesVmAfterSleepingDestroyTime() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    slept.clear();
    p.destroy("vm-1");
    assertTrue(p.get("vm-1").isEmpty());
    assertEquals(List.of(Duration.ofSeconds(2)), slept);
  }

  @Test
  void forcedDestroyFailureIsTransientAndKeepsVm() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    p.controls().failNext(Operation.DESTROY, "host unreachable");

    ProviderException e = assertThrows(ProviderException.class, () -> p.destroy("vm-1"));
    assertFalse(e.permanent());
    assertTrue(p.get("vm-1").isPresent());

    p.destroy("vm-1");
    assertTrue(p.get("vm-1").isEmpty());
  }

  @Test
  void destroyFailPercentHundredAlwaysFailsTransiently() {
    SimulatedProvider p = provider(10, settings(new FailPercent(0, 0, 100), 0), 1);
    p.cloneVm("vm-1", "t");
    for (int i = 0; i < 5; i++) {
      ProviderException e = assertThrows(ProviderException.class, () -> p.destroy("vm-1"));
      assertFalse(e.permanent());
    }
    assertTrue(p.get("vm-1").isPresent());
  }

  // --- cleanup for reuse --------------------------------------------------------------------

  @Test
  void cleaningARunningVm_takesCleanSeconds_keepsTheVm_andMayBeRepeated() {
    SimulatedSettings s =
        new SimulatedSettings(
            SecondsRange.fixed(5),
            SecondsRange.fixed(BOOT.toSeconds()),
            SecondsRange.fixed(2),
            FailPercent.NONE,
            0,
            null,
            SimulatedSettings.DEFAULT_STEP_SECONDS,
            Map.of(),
            List.of(),
            SimulatedSettings.DEFAULT_VM_TASK_SECONDS,
            SimulatedSettings.DEFAULT_VM_TASK_SECONDS,
            SimulatedSettings.DEFAULT_VM_TASK_SECONDS,
            SecondsRange.fixed(3));
    SimulatedProvider p = provider(10, s, 1);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);
    slept.clear();

    p.cleanForReuse("vm-1");
    p.cleanForReuse("vm-1");

    assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(3)), slept);
    assertEquals(2, p.controls().timesCleaned("vm-1"));
    assertEquals(
        PowerState.RUNNING, p.get("vm-1").orElseThrow().powerState(), "cleaning keeps the VM");
  }

  @Test
  void cleaningAMissingOrPoweredOffVm_orAForcedFailure_isAPermanentCleanupFailure() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);

    p.controls().failNext(Operation.CLEAN, "disk full");
    ProviderException forced = assertThrows(ProviderException.class, () -> p.cleanForReuse("vm-1"));
    assertTrue(forced.permanent());
    assertEquals(ErrorTypes.CLEANUP_FAILED, forced.errorType());
    assertTrue(forced.getMessage().contains("disk full"), forced.getMessage());
    assertEquals(0, p.controls().timesCleaned("vm-1"));

    p.controls().powerOff("vm-1");
    assertEquals(
        ErrorTypes.CLEANUP_FAILED,
        assertThrows(ProviderException.class, () -> p.cleanForReuse("vm-1")).errorType());
    assertEquals(
        ErrorTypes.CLEANUP_FAILED,
        assertThrows(ProviderException.class, () -> p.cleanForReuse("no-such-vm")).errorType());
  }

  @Test
  void cleanFailPercentHundredAlwaysFails() {
    SimulatedProvider p = provider(10, settings(new FailPercent(0, 0, 0, 0, 0, 0, 100), 0), 1);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);

    ProviderException e = assertThrows(ProviderException.class, () -> p.cleanForReuse("vm-1"));
    assertEquals(ErrorTypes.CLEANUP_FAILED, e.errorType());
    assertTrue(p.get("vm-1").isPresent(), "a failed cleanup leaves the VM for Corral to destroy");
  }

  // --- readiness ----------------------------------------------------------------------------

  @Test
  void vmIsBootingBeforeBootTimeAndReadyAfter() {
    SimulatedProvider p = provider(10);
    ProviderVm vm = p.cloneVm("vm-1", "t");

    assertEquals(Readiness.State.BOOTING, p.checkReady("vm-1").state());
    clock.advance(BOOT.minusSeconds(1));
    assertEquals(Readiness.State.BOOTING, p.checkReady("vm-1").state());
    assertEquals(PowerState.BOOTING, p.get("vm-1").orElseThrow().powerState());

    clock.advance(Duration.ofSeconds(1));
    Readiness r = p.checkReady("vm-1");
    assertEquals(Readiness.ready("vm-1", vm.ip()), r);
    assertEquals(PowerState.RUNNING, p.get("vm-1").orElseThrow().powerState());
    // Stays ready.
    assertEquals(Readiness.State.READY, p.checkReady("vm-1").state());
  }

  @Test
  void checkReadyNeverSleeps() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    slept.clear();
    p.checkReady("vm-1");
    clock.advance(BOOT);
    p.checkReady("vm-1");
    p.checkReady("nope");
    assertTrue(slept.isEmpty());
  }

  @Test
  void checkReadyOfUnknownVmFails() {
    Readiness r = provider(10).checkReady("nope");
    assertEquals(Readiness.State.FAILED, r.state());
    assertEquals("no such VM", r.reason());
  }

  @Test
  void forcedBootFailureMakesVmBrokenAndReadinessFailed() {
    SimulatedProvider p = provider(10);
    p.controls().failNext(Operation.BOOT, "kernel panic");
    p.cloneVm("vm-1", "t");
    p.cloneVm("vm-2", "t");

    assertEquals(Readiness.State.BOOTING, p.checkReady("vm-1").state());
    clock.advance(BOOT);
    Readiness r = p.checkReady("vm-1");
    assertEquals(Readiness.State.FAILED, r.state());
    assertTrue(r.reason().startsWith("simulated boot failure"), r.reason());
    assertTrue(r.reason().contains("kernel panic"), r.reason());
    assertEquals(PowerState.BROKEN, p.get("vm-1").orElseThrow().powerState());
    assertEquals(Readiness.State.FAILED, p.checkReady("vm-1").state());

    // Only the next cloned VM was fated to fail.
    assertEquals(Readiness.State.READY, p.checkReady("vm-2").state());
  }

  @Test
  void bootFailPercentHundredFailsEveryBoot() {
    SimulatedProvider p = provider(10, settings(new FailPercent(0, 100, 0), 0), 1);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);
    assertEquals(Readiness.State.FAILED, p.checkReady("vm-1").state());
  }

  @Test
  void forcedPowerOffMakesReadinessFailed() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);
    assertEquals(Readiness.State.READY, p.checkReady("vm-1").state());

    assertTrue(p.controls().powerOff("vm-1"));
    Readiness r = p.checkReady("vm-1");
    assertEquals(Readiness.failed("powered off"), r);
    assertEquals(PowerState.POWERED_OFF, p.get("vm-1").orElseThrow().powerState());
    assertFalse(p.controls().powerOff("vm-1"), "already off");
    assertFalse(p.controls().powerOff("nope"));
  }

  @Test
  void powerOffPercentHundredPowersOffRunningVmOnCheck() {
    SimulatedProvider p = provider(10, settings(FailPercent.NONE, 100), 1);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);
    // The check that sees the boot finish reports ready; the next one finds it off.
    assertEquals(Readiness.State.READY, p.checkReady("vm-1").state());
    assertEquals(Readiness.failed("powered off"), p.checkReady("vm-1"));
    assertEquals(PowerState.POWERED_OFF, p.get("vm-1").orElseThrow().powerState());
    assertEquals(Readiness.failed("powered off"), p.checkReady("vm-1"));
  }

  @Test
  void powerOffPercentZeroNeverPowersOff() {
    SimulatedProvider p = provider(10);
    p.cloneVm("vm-1", "t");
    clock.advance(BOOT);
    for (int i = 0; i < 200; i++) {
      assertEquals(Readiness.State.READY, p.checkReady("vm-1").state());
    }
  }

  // --- fail percentages ---------------------------------------------------------------------

  @Test
  void cloneFailPercentFiftyFailsRoughlyHalf() {
    SimulatedProvider p = provider(1000, settings(new FailPercent(50, 0, 0), 0), 42);
    int failures = 0;
    for (int i = 0; i < 400; i++) {
      try {
        p.cloneVm("vm-" + i, "t");
      } catch (ProviderException e) {
        assertEquals(ErrorTypes.CLONE_FAILED, e.errorType());
        failures++;
      }
    }
    // Binomial(400, 0.5): mean 200, sd 10; 140..260 is six sigma either way.
    assertTrue(failures > 140 && failures < 260, "failures: " + failures);
    long broken = p.inventory().stream().filter(v -> v.powerState() == PowerState.BROKEN).count();
    assertEquals(failures, broken, "every failed clone leaves a BROKEN VM");
  }

  @Test
  void cloneFailPercentZeroNeverFails() {
    SimulatedProvider p = provider(1000, settings(FailPercent.NONE, 0), 42);
    for (int i = 0; i < 400; i++) {
      assertEquals(PowerState.BOOTING, p.cloneVm("vm-" + i, "t").powerState());
    }
    assertEquals(400, p.inventory().size());
  }

  // --- persistence --------------------------------------------------------------------------

  @Test
  void secondInstanceOnSameStateFileSeesSameInventory() {
    SimulatedProvider p = provider(10);
    ProviderVm a = p.cloneVm("a", "t1");
    p.controls().failNext(Operation.CLONE, "x");
    assertThrows(ProviderException.class, () -> p.cloneVm("b", "t2"));
    p.cloneVm("c", "t3");
    clock.advance(BOOT);
    p.checkReady("c");
    assertTrue(Files.exists(stateFile));

    SimulatedProvider q = provider(10);
    List<ProviderVm> inv = q.inventory();
    assertEquals(p.inventory(), inv);
    assertEquals(List.of("a", "b", "c"), inv.stream().map(ProviderVm::name).toList());
    assertEquals(PowerState.BROKEN, q.get("b").orElseThrow().powerState());
    assertEquals(PowerState.RUNNING, q.get("c").orElseThrow().powerState());
    assertEquals(a.ip(), q.get("a").orElseThrow().ip());
    // New clones get fresh addresses after a restart.
    String ip = q.cloneVm("d", "t").ip();
    assertTrue(inv.stream().noneMatch(v -> ip.equals(v.ip())));
  }

  @Test
  void addRunning_putsManyRunningVmsInAtOnce_thatASecondInstanceSees_andRefusesNamesAlreadyThere() {
    SimulatedProvider p = provider(10);
    p.cloneVm("a", "t");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      names.add("corral-seed-" + i);
    }
    p.controls()
        .addRunning(
            names,
            "t"); // more than max_vms: a hypervisor may already run more than Corral would clone
    assertEquals(1, slept.size(), "adding takes no clone or boot time: only the clone of a slept");

    ProviderVm vm = p.get("corral-seed-7").orElseThrow();
    assertEquals(PowerState.RUNNING, vm.powerState());
    assertEquals("corral-seed-7", vm.hostname());
    assertEquals(Readiness.State.READY, p.checkReady("corral-seed-7").state());
    assertEquals("corral-seed-7", p.checkReady("corral-seed-7").hostname());
    assertEquals(
        51,
        new HashSet<>(p.inventory().stream().map(ProviderVm::ip).toList()).size(),
        "distinct addresses");

    SimulatedProvider q = provider(10);
    assertEquals(p.inventory(), q.inventory());

    assertThrows(
        IllegalArgumentException.class, () -> q.controls().addRunning(List.of("new-1", "a"), "t"));
    assertThrows(
        IllegalArgumentException.class,
        () -> q.controls().addRunning(List.of("new-1", "new-1"), "t"));
    assertTrue(q.get("new-1").isEmpty(), "a refused call adds nothing");
    q.destroy("corral-seed-0");
    assertEquals(50, provider(10).inventory().size());
  }

  @Test
  void bootingVmKeepsBootDeadlineAcrossRestart() {
    SimulatedProvider p = provider(10);
    p.cloneVm("a", "t");
    clock.advance(BOOT.minusSeconds(10));

    SimulatedProvider q = provider(10);
    assertEquals(Readiness.State.BOOTING, q.checkReady("a").state());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(Readiness.State.READY, q.checkReady("a").state());
  }

  @Test
  void vmThatWasCreatingWhenProcessDiedComesBackBroken() throws Exception {
    // A sleeper that blocks the clone half-way, like a process that dies mid-clone.
    CountDownLatch inClone = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    ProviderConfig config =
        new ProviderConfig("sim", "simulated", 10, 10, settings(FailPercent.NONE, 0));
    SimulatedProvider p =
        new SimulatedProvider(
            config,
            (SimulatedSettings) config.settings(),
            stateFile,
            clock,
            new SplittableRandom(1),
            d -> {
              inClone.countDown();
              never.await();
            });
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      Future<ProviderVm> f = ex.submit(() -> p.cloneVm("half", "t"));
      assertTrue(inClone.await(10, TimeUnit.SECONDS));
      assertEquals(PowerState.CREATING, p.get("half").orElseThrow().powerState());

      // "Restart": a new instance reads the state file while the clone is still in progress.
      SimulatedProvider q = provider(10);
      ProviderVm vm = q.get("half").orElseThrow();
      assertEquals(PowerState.BROKEN, vm.powerState());
      assertEquals(Readiness.State.FAILED, q.checkReady("half").state());
      q.destroy("half");
      assertTrue(q.inventory().isEmpty());
      f.cancel(true);
    } finally {
      ex.shutdownNow();
      assertTrue(ex.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void stateFileIsWrittenAtomicallyWithoutLeftoverTempFiles() throws IOException {
    SimulatedProvider p = provider(10);
    for (int i = 0; i < 5; i++) {
      p.cloneVm("vm-" + i, "t");
    }
    p.destroy("vm-0");
    try (Stream<Path> files = Files.list(stateFile.getParent())) {
      assertEquals(List.of(stateFile.getFileName()), files.map(Path::getFileName).toList());
    }
    String json = Files.readString(stateFile);
    assertTrue(json.contains("\"vm-4\""), json);
    assertFalse(json.contains("\"vm-0\""), json);
  }

  @Test
  void createUsesDataDirProvidersNameJsonByDefault() {
    SimulatedSettings s = settings(FailPercent.NONE, 0);
    ProviderConfig config = new ProviderConfig("lab", "simulated", 10, 10, s);
    SimulatedProvider p = SimulatedProvider.create(config, dir);
    assertEquals(dir.resolve("providers").resolve("lab.json"), p.controls().stateFile());
    assertEquals("lab", p.name());
  }

  @Test
  void createUsesConfiguredStateFile() {
    Path custom = dir.resolve("elsewhere").resolve("state.json");
    SimulatedSettings s =
        new SimulatedSettings(
            SecondsRange.ZERO, SecondsRange.ZERO, SecondsRange.ZERO, FailPercent.NONE, 0, custom);
    SimulatedProvider p =
        SimulatedProvider.create(new ProviderConfig("lab", "simulated", 10, 10, s), dir);
    assertEquals(custom, p.controls().stateFile());
    p.cloneVm("vm-1", "t"); // zero delays: real sleeper returns at once
    assertTrue(Files.exists(custom));
  }

  // --- concurrency --------------------------------------------------------------------------

  @Test
  void concurrentClonesNeverExceedMaxVms() throws Exception {
    SimulatedProvider p = provider(150);
    ExecutorService ex = Executors.newFixedThreadPool(8);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger full = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String name = "vm-" + i;
        futures.add(
            ex.submit(
                () -> {
                  start.await();
                  try {
                    assertNotNull(p.cloneVm(name, "t"));
                    ok.incrementAndGet();
                  } catch (ProviderException e) {
                    assertEquals(ErrorTypes.CAPACITY_EXCEEDED, e.errorType());
                    full.incrementAndGet();
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      ex.shutdownNow();
    }
    assertEquals(150, ok.get());
    assertEquals(50, full.get());
    assertEquals(150, p.inventory().size());
    assertEquals(150, provider(150).inventory().size(), "persisted state agrees");
  }

  @Test
  void cloneDoesNotHoldLockWhileSleeping() throws Exception {
    CountDownLatch inClone = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ProviderConfig config =
        new ProviderConfig("sim", "simulated", 10, 10, settings(FailPercent.NONE, 0));
    SimulatedProvider p =
        new SimulatedProvider(
            config,
            (SimulatedSettings) config.settings(),
            stateFile,
            clock,
            new SplittableRandom(1),
            d -> {
              inClone.countDown();
              release.await();
            });
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      Future<ProviderVm> f = ex.submit(() -> p.cloneVm("slow", "t"));
      assertTrue(inClone.await(10, TimeUnit.SECONDS));
      // Other calls go through while "slow" is mid-clone.
      assertEquals(Readiness.State.BOOTING, p.checkReady("slow").state());
      assertNull(p.get("slow").orElseThrow().ip(), "no address until the clone is done");
      assertEquals(1, p.inventory().size());
      release.countDown();
      assertEquals(PowerState.BOOTING, f.get(10, TimeUnit.SECONDS).powerState());
    } finally {
      ex.shutdownNow();
    }
  }
}
