package dev.corral.activities.provider.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedControls.VmTaskState;
import dev.corral.activities.provider.simulated.SimulatedSettings.FailPercent;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Snapshots, reverts and extra disks on the simulated hypervisor. */
class SimulatedProviderVmTaskTest {
  private static final Duration SNAPSHOT = Duration.ofSeconds(3);
  private static final Duration REVERT = Duration.ofSeconds(4);
  private static final Duration DISK = Duration.ofSeconds(5);

  private Path stateFile;
  private MutableClock clock;
  private final List<Duration> slept = new CopyOnWriteArrayList<>();

  /** Runs during each sleep, to put a concurrent change (a destroy) in the middle of a call. */
  private Consumer<Duration> duringSleep = d -> {};

  @BeforeEach
  void setUp() {
    stateFile = TestDirs.fresh("test-sim-tasks").resolve("sim.json");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  private SimulatedProvider provider(FailPercent fail) {
    SimulatedSettings settings =
        new SimulatedSettings(
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            fail,
            0,
            null,
            SecondsRange.fixed(1),
            Map.of(),
            List.of(),
            SecondsRange.fixed(SNAPSHOT.toSeconds()),
            SecondsRange.fixed(REVERT.toSeconds()),
            SecondsRange.fixed(DISK.toSeconds()),
            SecondsRange.ZERO);
    return new SimulatedProvider(
        new ProviderConfig("sim", "simulated", 10, 10, settings),
        settings,
        stateFile,
        clock,
        new SplittableRandom(3),
        d -> {
          slept.add(d);
          duringSleep.accept(d);
        });
  }

  /** A running VM, with the sleeps of its clone forgotten. */
  private SimulatedProvider withRunningVm(FailPercent fail) {
    SimulatedProvider p = provider(fail);
    p.cloneVm("vm-1", "debian-12");
    p.checkReady("vm-1");
    slept.clear();
    return p;
  }

  private static VmTaskState state(SimulatedProvider p) {
    return p.controls().vmTaskState("vm-1").orElseThrow();
  }

  @Test
  void snapshot_takesSnapshotSeconds_andRepeatingItWithTheSameIdDoesNothing() {
    SimulatedProvider p = withRunningVm(FailPercent.NONE);

    p.snapshot("vm-1", "snap-a");
    p.snapshot("vm-1", "snap-a");
    p.snapshot("vm-1", "snap-b");

    assertEquals(List.of("snap-a", "snap-b"), state(p).snapshots());
    assertEquals(List.of(SNAPSHOT, SNAPSHOT), slept, "the repeated call returned at once");
  }

  @Test
  void revert_toASnapshotTheVmHas_isRecorded_andToAnotherIsAPermanentSnapshotNotFound() {
    SimulatedProvider p = withRunningVm(FailPercent.NONE);
    p.snapshot("vm-1", "snap-a");

    p.revertSnapshot("vm-1", "snap-a");
    ProviderException unknown =
        assertThrows(ProviderException.class, () -> p.revertSnapshot("vm-1", "snap-x"));

    assertTrue(unknown.permanent());
    assertEquals(ErrorTypes.SNAPSHOT_NOT_FOUND, unknown.errorType());
    assertEquals("snap-a", state(p).revertedTo());
    assertEquals(1, state(p).reverts());
    assertEquals(List.of(SNAPSHOT, REVERT), slept, "the refused revert did not sleep");
  }

  @Test
  void addDisk_isIdempotentByDiskId_andKeepsDisksInTheOrderAdded() {
    SimulatedProvider p = withRunningVm(FailPercent.NONE);

    p.addDisk("vm-1", "disk-1", 8);
    p.addDisk("vm-1", "disk-2", 100);
    p.addDisk("vm-1", "disk-1", 8);

    assertEquals(List.of("disk-1", "disk-2"), List.copyOf(state(p).disksGb().keySet()));
    assertEquals(Map.of("disk-1", 8, "disk-2", 100), state(p).disksGb());
    assertEquals(List.of(DISK, DISK), slept);
    assertThrows(IllegalArgumentException.class, () -> p.addDisk("vm-1", "disk-3", 0));
  }

  @Test
  void tasksOnAVmTheProviderDoesNotHave_areAPermanentVmNotFound() {
    SimulatedProvider p = provider(FailPercent.NONE);

    for (Runnable call :
        List.<Runnable>of(
            () -> p.snapshot("ghost", "s"),
            () -> p.revertSnapshot("ghost", "s"),
            () -> p.addDisk("ghost", "d", 8))) {
      ProviderException e = assertThrows(ProviderException.class, call::run);
      assertTrue(e.permanent(), e.getMessage());
      assertEquals(ErrorTypes.VM_NOT_FOUND, e.errorType());
    }
    assertTrue(slept.isEmpty());
  }

  @Test
  void aVmDestroyedWhileItsSnapshotIsTaken_failsPermanently_andNothingIsRecorded() {
    SimulatedProvider p = withRunningVm(FailPercent.NONE);
    duringSleep =
        d -> {
          if (d.equals(SNAPSHOT)) {
            p.destroy("vm-1");
          }
        };

    ProviderException e = assertThrows(ProviderException.class, () -> p.snapshot("vm-1", "snap-a"));

    assertEquals(ErrorTypes.VM_NOT_FOUND, e.errorType());
    assertTrue(p.controls().vmTaskState("vm-1").isEmpty(), "the VM is gone and stays gone");
  }

  @Test
  void failurePercents_failTransiently_andLeaveTheVmUnchanged() {
    SimulatedProvider p = withRunningVm(new FailPercent(0, 0, 0, 100, 100, 100, 0));

    ProviderException snapshot =
        assertThrows(ProviderException.class, () -> p.snapshot("vm-1", "snap-a"));
    ProviderException disk =
        assertThrows(ProviderException.class, () -> p.addDisk("vm-1", "disk-1", 8));

    assertFalse(snapshot.permanent(), "worth retrying");
    assertTrue(snapshot.getMessage().contains("fail_percent.snapshot"), snapshot.getMessage());
    assertFalse(disk.permanent());
    assertEquals(new VmTaskState(List.of(), Map.of(), null, 0), state(p));
  }

  @Test
  void aForcedFailure_failsOnlyTheNextCall() {
    SimulatedProvider p = withRunningVm(FailPercent.NONE);
    p.snapshot("vm-1", "snap-a");
    p.controls().failNext(Operation.REVERT, "datastore busy");

    ProviderException e =
        assertThrows(ProviderException.class, () -> p.revertSnapshot("vm-1", "snap-a"));
    p.revertSnapshot("vm-1", "snap-a");

    assertFalse(e.permanent());
    assertTrue(e.getMessage().contains("datastore busy"), e.getMessage());
    assertEquals(1, state(p).reverts());
  }

  @Test
  void snapshotsDisksAndReverts_outliveARestart() {
    SimulatedProvider first = withRunningVm(FailPercent.NONE);
    first.snapshot("vm-1", "snap-a");
    first.revertSnapshot("vm-1", "snap-a");
    first.addDisk("vm-1", "disk-1", 16);

    SimulatedProvider second = provider(FailPercent.NONE);

    assertEquals(
        new VmTaskState(List.of("snap-a"), Map.of("disk-1", 16), "snap-a", 1), state(second));
  }

  @Test
  void aStateFileFromBeforeVmTasks_loadsWithNoSnapshotsOrDisks() throws IOException {
    Files.createDirectories(stateFile.getParent());
    Files.writeString(
        stateFile,
        """
        {"version": 2, "provider": "sim", "ipCounter": 1,
         "vms": [{"name": "old-vm", "template": "t", "state": "RUNNING", "hostname": "old-vm", "ip": "198.18.0.1",
                  "createdAt": "2025-12-31T00:00:00Z", "bootDoneAt": "2025-12-31T00:00:01Z", "sealed": false}]}
        """);

    SimulatedProvider p = provider(FailPercent.NONE);

    VmTaskState old = p.controls().vmTaskState("old-vm").orElseThrow();
    assertEquals(List.of(), old.snapshots());
    assertEquals(Map.of(), old.disksGb());
    assertNull(old.revertedTo());
    p.snapshot("old-vm", "snap-a");
    assertEquals(List.of("snap-a"), p.controls().vmTaskState("old-vm").orElseThrow().snapshots());
  }
}
