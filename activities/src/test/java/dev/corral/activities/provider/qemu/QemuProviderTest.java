package dev.corral.activities.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The QEMU provider against real guests (tools/guest), under TCG on this machine. */
class QemuProviderTest {
  private static final Duration BOOT = Duration.ofSeconds(90);

  private QemuGuest.Build guest;
  private Path root;
  private QemuProvider provider;

  @BeforeEach
  void setUp() {
    guest = QemuGuest.of("1.2.3");
    root = QemuGuest.shortDir("qp");
    guest.installAs(root.resolve("templates"), "base", "guest");
    QemuSettings settings =
        new QemuSettings(
            root.resolve("templates"),
            guest.kernel(),
            guest.initrd(),
            "tcg",
            128,
            1,
            root.resolve("vms"),
            QemuSettings.DEFAULT_PORTS,
            QemuSettings.DEFAULT_QEMU_BINARY,
            QemuSettings.DEFAULT_QEMU_IMG);
    provider = QemuProvider.create(new ProviderConfig("qemu", "qemu", 4, 2, settings), root);
  }

  @AfterEach
  void tearDown() {
    // Whatever a failed test left running must not outlive it.
    for (ProviderVm vm : provider.inventory()) {
      provider.destroy(vm.name());
    }
  }

  @Test
  void clonedVm_boots_answersWithItsInstanceId_andDestroyLeavesNoProcessAndNoDirectory()
      throws Exception {
    ProviderVm cloned = provider.cloneVm("corral-aaaaaaaaa1", "base");
    assertEquals("base", cloned.template());
    long pid = new VmDir(provider.vmsDir(), "corral-aaaaaaaaa1").pid().orElseThrow();

    Readiness ready = awaitReady("corral-aaaaaaaaa1");

    assertEquals("127.0.0.1", ready.ip());
    int agent = ready.ports().get("agent");
    Map<String, String> info = new GuestAgent("127.0.0.1", agent, Duration.ofSeconds(5)).info();
    assertEquals("corral-aaaaaaaaa1", info.get("instance"), info.toString());
    assertEquals("1.2.3", info.get("version"));
    assertEquals(PowerState.RUNNING, provider.get("corral-aaaaaaaaa1").orElseThrow().powerState());
    assertEquals(
        List.of("corral-aaaaaaaaa1"), provider.inventory().stream().map(ProviderVm::name).toList());

    provider.destroy("corral-aaaaaaaaa1");

    assertFalse(Files.exists(provider.vmsDir().resolve("corral-aaaaaaaaa1")));
    assertEquals(Optional.empty(), provider.get("corral-aaaaaaaaa1"));
    assertTrue(QemuGuest.exited(pid), "QEMU pid " + pid + " still runs");
    provider.destroy("corral-aaaaaaaaa1"); // idempotent
  }

  @Test
  void cloneAgain_returnsTheRunningVm_butRemakesOneWhoseQemuWasKilled_andThePoolsShapeWins()
      throws Exception {
    provider.cloneVm("corral-aaaaaaaaa2", "base", new VmShape(96, null));
    VmDir dir = new VmDir(provider.vmsDir(), "corral-aaaaaaaaa2");
    long first = dir.pid().orElseThrow();
    String cmdline =
        Files.readString(Path.of("/proc", Long.toString(first), "cmdline")).replace('\0', ' ');
    assertTrue(cmdline.contains(" -m 96 "), cmdline);
    assertTrue(cmdline.contains(" -smp 1 "), "cpus: the provider's default; " + cmdline);

    provider.cloneVm("corral-aaaaaaaaa2", "base");
    assertEquals(first, dir.pid().orElseThrow(), "a repeated clone must not start a second QEMU");

    ProcessHandle.of(first).orElseThrow().destroyForcibly();
    assertTrue(QemuGuest.exited(first));
    assertEquals(
        PowerState.BROKEN,
        provider.get("corral-aaaaaaaaa2").orElseThrow().powerState(),
        "a pidfile without its lock is a crashed QEMU");
    assertEquals(Readiness.State.FAILED, provider.checkReady("corral-aaaaaaaaa2").state());

    provider.cloneVm("corral-aaaaaaaaa2", "base");
    assertNotEquals(first, dir.pid().orElseThrow());
    awaitReady("corral-aaaaaaaaa2");
  }

  @Test
  void unknownTemplate_andBadNames_arePermanentFailures_thatMakeNothing() {
    ProviderException missing =
        assertThrows(ProviderException.class, () -> provider.cloneVm("corral-aaaaaaaaa3", "nope"));
    assertEquals(ErrorTypes.TEMPLATE_NOT_FOUND, missing.errorType());
    assertTrue(missing.permanent());
    ProviderException climbing =
        assertThrows(
            ProviderException.class,
            () -> provider.cloneVm("corral-aaaaaaaaa3", "../templates/base"));
    assertEquals(ErrorTypes.TEMPLATE_NOT_FOUND, climbing.errorType());
    assertThrows(ProviderException.class, () -> provider.cloneVm("../evil", "base"));
    assertEquals(List.of(), provider.inventory());
  }

  @Test
  void preparationChain_makesAReadOnlyStandaloneTemplate_whoseClonesCarryTheConfiguration()
      throws Exception {
    provider.deploy("corral-build-aaaaaaaaa4", "base");
    assertEquals(Optional.of("1.2.3"), provider.guestVersion("corral-build-aaaaaaaaa4"));

    provider.configure(
        "corral-build-aaaaaaaaa4", Map.of("motd", "prepared by corral", "role", "ci"));
    provider.seal("corral-build-aaaaaaaaa4");
    provider.powerOff("corral-build-aaaaaaaaa4", Duration.ofSeconds(30));
    assertEquals(
        PowerState.POWERED_OFF, provider.get("corral-build-aaaaaaaaa4").orElseThrow().powerState());
    ProviderTemplate made = provider.createTemplate("corral-build-aaaaaaaaa4", "guest-prepared-1");

    assertEquals(
        new ProviderTemplate("guest-prepared-1", "guest", "1.2.3", made.date(), true), made);
    assertTrue(provider.templates().contains(made), provider.templates().toString());
    Path image = root.resolve("templates/guest-prepared-1.qcow2");
    assertEquals(
        "r--r--r--",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(image)),
        "templates are read-only");
    assertEquals("", qemuImgBackingFile(image), "a prepared template stands alone");
    assertEquals(
        Optional.empty(), provider.get("corral-build-aaaaaaaaa4"), "finish removes the build VM");
    assertEquals(
        made,
        provider.createTemplate("corral-build-aaaaaaaaa4", "guest-prepared-1"),
        "finish is idempotent");

    provider.cloneVm("corral-aaaaaaaaa5", "guest-prepared-1");
    Readiness ready = awaitReady("corral-aaaaaaaaa5");
    Map<String, String> info =
        new GuestAgent("127.0.0.1", ready.ports().get("agent"), Duration.ofSeconds(5)).info();
    assertEquals("prepared by corral", info.get("config.motd"), info.toString());
    assertEquals("ci", info.get("config.role"));
    assertEquals(
        "corral-aaaaaaaaa5", info.get("instance"), "sealed: the clone has its own identity");

    ProviderException inUse =
        assertThrows(ProviderException.class, () -> provider.deleteTemplate("guest-prepared-1"));
    assertTrue(inUse.getMessage().contains("corral-aaaaaaaaa5"), inUse.getMessage());
    provider.destroy("corral-aaaaaaaaa5");
    provider.deleteTemplate("guest-prepared-1");
    assertFalse(Files.exists(image));
    provider.deleteTemplate("guest-prepared-1"); // idempotent
  }

  @Test
  void failingConfigureScript_isAPermanentStepFailure() throws Exception {
    provider.deploy("corral-build-aaaaaaaaa6", "base");

    ProviderException e =
        assertThrows(
            ProviderException.class,
            () ->
                provider.configure(
                    "corral-build-aaaaaaaaa6", Map.of("script", "echo broken >&2; exit 3")));

    assertEquals(ErrorTypes.STEP_FAILED, e.errorType());
    assertTrue(e.permanent());
  }

  @Test
  void vmTasks_revertUndoesWhatTheGuestWroteSinceItsSnapshot_andAnAddedDiskShowsUpInTheGuest()
      throws Exception {
    provider.cloneVm("corral-aaaaaaaaa7", "base");
    GuestAgent agent =
        new GuestAgent(
            "127.0.0.1",
            awaitReady("corral-aaaaaaaaa7").ports().get("agent"),
            Duration.ofMinutes(2));
    agent.run("echo before > /root/mark; sync");

    provider.snapshot("corral-aaaaaaaaa7", "snap1");
    provider.snapshot("corral-aaaaaaaaa7", "snap1"); // idempotent
    agent.run("echo after > /root/mark; sync");
    provider.revertSnapshot("corral-aaaaaaaaa7", "snap1");

    assertTrue(
        agent.run("cat /root/mark").startsWith("before\n"), "the guest is back at its snapshot");
    ProviderException missing =
        assertThrows(
            ProviderException.class, () -> provider.revertSnapshot("corral-aaaaaaaaa7", "nope"));
    assertEquals(ErrorTypes.SNAPSHOT_NOT_FOUND, missing.errorType());

    provider.addDisk("corral-aaaaaaaaa7", "data1", 1);
    provider.addDisk("corral-aaaaaaaaa7", "data1", 1); // idempotent: still one extra disk
    String blocks = "";
    for (int i = 0; i < 50 && !blocks.contains("vdb"); i++) {
      blocks = agent.run("ls /sys/block");
      Thread.sleep(200);
    }
    assertTrue(blocks.contains("vdb"), "hot-plugged disk seen by the guest: " + blocks);
    assertFalse(blocks.contains("vdc"), blocks);
    assertEquals(
        "1073741824",
        agent
            .run("cat /sys/block/vdb/size | awk '{print $1 * 512}'")
            .lines()
            .findFirst()
            .orElseThrow()
            .strip(),
        "1 GB");
  }

  private Readiness awaitReady(String vm) throws InterruptedException {
    long deadline = System.nanoTime() + BOOT.toNanos();
    while (true) {
      Readiness r = provider.checkReady(vm);
      if (r.state() == Readiness.State.READY) {
        return r;
      }
      assertNotEquals(Readiness.State.FAILED, r.state(), r.reason());
      assertTrue(System.nanoTime() < deadline, vm + " not ready within " + BOOT);
      Thread.sleep(100);
    }
  }

  private static String qemuImgBackingFile(Path image) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("qemu-img", "info", "--output=json", image.toString()).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    int at = out.indexOf("\"backing-filename\"");
    return at < 0 ? "" : out.substring(at);
  }
}
