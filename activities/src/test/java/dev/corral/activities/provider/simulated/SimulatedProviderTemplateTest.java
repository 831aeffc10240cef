package dev.corral.activities.provider.simulated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedSettings.FailPercent;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The template catalogue and the preparation steps of the simulated hypervisor. */
class SimulatedProviderTemplateTest {
  private static final Duration STEP = Duration.ofSeconds(3);
  private static final LocalDate DATE = LocalDate.parse("2025-01-15");
  private static final SimulatedTemplate DEBIAN =
      new SimulatedTemplate("debian-12-raw", "debian", "12.8", DATE);
  private static final SimulatedTemplate UBUNTU =
      new SimulatedTemplate("ubuntu-24-raw", "ubuntu", "24.04", null);

  private Path dir;
  private Path stateFile;
  private MutableClock clock;
  private final List<Duration> slept = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    dir = Path.of("target", "test-sim-templates-" + UUID.randomUUID());
    stateFile = dir.resolve("providers").resolve("sim.json");
    clock = new MutableClock(Instant.parse("2025-02-01T00:00:00Z"));
  }

  @AfterEach
  void tearDown() {
    TestDirs.delete(dir);
  }

  private static SimulatedSettings settings(
      Map<String, Double> failSteps, List<SimulatedTemplate> templates) {
    return new SimulatedSettings(
        SecondsRange.fixed(5),
        SecondsRange.fixed(30),
        SecondsRange.fixed(2),
        FailPercent.NONE,
        0,
        null,
        SecondsRange.fixed(STEP.toSeconds()),
        failSteps,
        templates);
  }

  private SimulatedProvider provider(SimulatedSettings settings, int maxVms) {
    ProviderConfig config = new ProviderConfig("sim", "simulated", maxVms, 10, settings);
    return new SimulatedProvider(
        config, settings, stateFile, clock, new SplittableRandom(3), slept::add);
  }

  private SimulatedProvider provider() {
    return provider(settings(Map.of(), List.of(DEBIAN, UBUNTU)), 10);
  }

  /** Runs the chain up to (not including) finish: the VM is configured, sealed and off. */
  private static void prepare(SimulatedProvider p, String vm, String template) {
    p.deploy(vm, template);
    p.guestVersion(vm);
    p.configure(vm, Map.of("k", "v"));
    p.seal(vm);
    p.powerOff(vm, Duration.ofSeconds(30));
  }

  private static ProviderException assertFailsTransiently(Runnable call) {
    ProviderException e = assertThrows(ProviderException.class, call::run);
    assertFalse(e.permanent(), e.getMessage());
    return e;
  }

  private static ProviderException assertFailsPermanently(String errorType, Runnable call) {
    ProviderException e = assertThrows(ProviderException.class, call::run);
    assertTrue(e.permanent(), e.getMessage());
    assertEquals(errorType, e.errorType(), e.getMessage());
    return e;
  }

  // --- catalogue ----------------------------------------------------------------------------

  @Test
  void configuredTemplatesAreListedAsRawFromTheStart() {
    assertEquals(
        List.of(
            new ProviderTemplate("debian-12-raw", "debian", "12.8", DATE, false),
            new ProviderTemplate("ubuntu-24-raw", "ubuntu", "24.04", null, false)),
        provider().templates());
  }

  @Test
  void catalogueWithPreparedAndDeletedTemplatesSurvivesRestart() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    p.createTemplate("build-1", "debian-12-prepared");
    p.deleteTemplate("ubuntu-24-raw");

    SimulatedProvider q = provider();
    assertEquals(p.templates(), q.templates());
    assertEquals(
        List.of("debian-12-raw", "debian-12-prepared"),
        q.templates().stream().map(ProviderTemplate::name).toList());
    // The deleted raw template stays deleted although the settings still name it.
    assertFailsPermanently(ErrorTypes.TEMPLATE_NOT_FOUND, () -> q.deploy("vm", "ubuntu-24-raw"));
  }

  @Test
  void stateFileWithoutTemplatesStillLoads() throws IOException {
    Files.createDirectories(stateFile.getParent());
    Files.writeString(
        stateFile,
        """
        {"version":1,"provider":"sim","ipCounter":1,"vms":[{"name":"old","template":"t","state":"RUNNING",
         "hostname":"old","ip":"198.18.0.1","createdAt":"2024-12-01T00:00:00Z","bootDoneAt":"2024-12-01T00:01:00Z"}]}
        """);
    SimulatedProvider p = provider();
    assertEquals(PowerState.RUNNING, p.get("old").orElseThrow().powerState());
    assertEquals(2, p.templates().size(), "configured templates are added");
    assertEquals(Optional.empty(), p.guestVersion("old"));
    p.powerOff("old", Duration.ZERO);
    assertEquals("t-prepared", p.createTemplate("old", "t-prepared").name());
  }

  @Test
  void changedConfiguredRawTemplateReplacesTheStoredOneOnRestart() {
    provider().controls().putTemplate(new SimulatedTemplate("extra", null, "1", null));
    SimulatedTemplate newer =
        new SimulatedTemplate("debian-12-raw", "debian", "12.9", DATE.plusDays(30));
    SimulatedProvider q = provider(settings(Map.of(), List.of(newer)), 10);
    assertEquals(
        List.of(
            new ProviderTemplate("debian-12-raw", "debian", "12.9", DATE.plusDays(30), false),
            new ProviderTemplate("ubuntu-24-raw", "ubuntu", "24.04", null, false),
            new ProviderTemplate("extra", null, "1", null, false)),
        q.templates());
  }

  @Test
  void putTemplateAddsRawTemplateAndUndeletesIt() {
    SimulatedProvider p = provider();
    p.deleteTemplate("ubuntu-24-raw");
    ProviderTemplate t =
        p.controls().putTemplate(new SimulatedTemplate("ubuntu-24-raw", "ubuntu", "24.04.1", DATE));
    assertEquals(new ProviderTemplate("ubuntu-24-raw", "ubuntu", "24.04.1", DATE, false), t);
    assertTrue(p.templates().contains(t));
    assertEquals(PowerState.RUNNING, p.deploy("vm", "ubuntu-24-raw").powerState());
    assertEquals(Optional.of("24.04.1"), p.guestVersion("vm"));
  }

  @Test
  void deleteTemplateRemovesItAndIsIdempotent() {
    SimulatedProvider p = provider();
    p.deleteTemplate("debian-12-raw");
    assertEquals(
        List.of("ubuntu-24-raw"), p.templates().stream().map(ProviderTemplate::name).toList());
    assertEquals(List.of(Duration.ofSeconds(2)), slept, "takes destroy_seconds");
    slept.clear();
    p.deleteTemplate("debian-12-raw");
    p.deleteTemplate("never-existed");
    assertTrue(slept.isEmpty(), "nothing to delete: returns at once");
    assertEquals(1, p.templates().size());
  }

  @Test
  void forcedDeleteTemplateFailureIsTransientAndKeepsTemplate() {
    SimulatedProvider p = provider();
    p.controls().failNext(Operation.DELETE_TEMPLATE, "datastore busy");
    assertFailsTransiently(() -> p.deleteTemplate("debian-12-raw"));
    assertEquals(2, p.templates().size());
    p.deleteTemplate("debian-12-raw");
    assertEquals(1, p.templates().size());
  }

  // --- deploy -------------------------------------------------------------------------------

  @Test
  void deployReturnsRunningVmAfterOneStep() {
    SimulatedProvider p = provider();
    ProviderVm vm = p.deploy("build-1", "debian-12-raw");
    assertEquals("build-1", vm.name());
    assertEquals("debian-12-raw", vm.template());
    assertEquals(PowerState.RUNNING, vm.powerState());
    assertEquals("build-1", vm.hostname());
    assertTrue(vm.ip().startsWith("198.1"), vm.ip());
    assertEquals(List.of(STEP), slept);
    assertEquals(List.of(vm), p.inventory());
  }

  @Test
  void deployIsIdempotentByName() {
    SimulatedProvider p = provider();
    ProviderVm first = p.deploy("build-1", "debian-12-raw");
    assertEquals(first, p.deploy("build-1", "debian-12-raw"));
    assertEquals(1, slept.size(), "the second call does not deploy again");
    assertEquals(1, p.inventory().size());
  }

  @Test
  void deployFromTemplateTheCatalogueDoesNotKnowWorksLikeClone() {
    SimulatedProvider p = provider();
    assertEquals(PowerState.RUNNING, p.deploy("build-1", "whatever").powerState());
    assertEquals(Optional.empty(), p.guestVersion("build-1"), "unknown template: no version");
    // The pool path is just as lenient.
    assertEquals(PowerState.BOOTING, p.cloneVm("vm-1", "anything-at-all").powerState());
  }

  @Test
  void deployFromDeletedTemplateFailsPermanentlyAndCreatesNothing() {
    SimulatedProvider p = provider();
    p.deleteTemplate("debian-12-raw");
    ProviderException e =
        assertFailsPermanently(
            ErrorTypes.TEMPLATE_NOT_FOUND, () -> p.deploy("build-1", "debian-12-raw"));
    assertTrue(e.getMessage().contains("debian-12-raw"), e.getMessage());
    assertTrue(p.inventory().isEmpty());
    // Cloning stays lenient, as for the pools today.
    assertEquals(PowerState.BOOTING, p.cloneVm("vm-1", "debian-12-raw").powerState());
  }

  @Test
  void deployFromBlankTemplateFailsPermanently() {
    SimulatedProvider p = provider();
    assertFailsPermanently(ErrorTypes.TEMPLATE_NOT_FOUND, () -> p.deploy("build-1", " "));
    assertFailsPermanently(ErrorTypes.TEMPLATE_NOT_FOUND, () -> p.deploy("build-1", null));
    assertTrue(p.inventory().isEmpty());
  }

  @Test
  void deployAtMaxVmsFailsWithCapacityExceeded() {
    SimulatedProvider p = provider(settings(Map.of(), List.of(DEBIAN)), 1);
    p.cloneVm("pool-vm", "t");
    assertFailsPermanently(
        ErrorTypes.CAPACITY_EXCEEDED, () -> p.deploy("build-1", "debian-12-raw"));
  }

  @Test
  void forcedDeployFailureIsTransientLeavesBrokenVmAndRetryReplacesIt() {
    SimulatedProvider p = provider();
    p.controls().failNext(Operation.DEPLOY, "datastore full");
    ProviderException e = assertFailsTransiently(() -> p.deploy("build-1", "debian-12-raw"));
    assertTrue(e.getMessage().contains("datastore full"), e.getMessage());
    assertEquals(PowerState.BROKEN, p.get("build-1").orElseThrow().powerState());

    // A retry with the same name replaces the half-made VM.
    assertEquals(PowerState.RUNNING, p.deploy("build-1", "debian-12-raw").powerState());
    assertEquals(1, p.inventory().size());
  }

  @Test
  void forcedPermanentDeployFailureIsStepFailedAndDestroyRemovesTheHalfMadeVm() {
    SimulatedProvider p = provider();
    p.controls().failNextPermanently(Operation.DEPLOY, "bad disk");
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.deploy("build-1", "debian-12-raw"));
    assertEquals(PowerState.BROKEN, p.get("build-1").orElseThrow().powerState());
    p.destroy("build-1");
    assertTrue(p.inventory().isEmpty());
  }

  @Test
  void interruptedDeployIsTransientAndLeavesBrokenVm() {
    SimulatedSettings s = settings(Map.of(), List.of(DEBIAN));
    SimulatedProvider p =
        new SimulatedProvider(
            new ProviderConfig("sim", "simulated", 10, 10, s),
            s,
            stateFile,
            clock,
            new SplittableRandom(1),
            d -> {
              throw new InterruptedException();
            });
    try {
      assertFailsTransiently(() -> p.deploy("build-1", "debian-12-raw"));
      assertTrue(Thread.currentThread().isInterrupted());
    } finally {
      Thread.interrupted();
    }
    assertEquals(PowerState.BROKEN, p.get("build-1").orElseThrow().powerState());
  }

  // --- verify (guestVersion) ----------------------------------------------------------------

  @Test
  void guestReportsItsSourceTemplatesVersion() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    slept.clear();
    assertEquals(Optional.of("12.8"), p.guestVersion("build-1"));
    assertEquals(List.of(STEP), slept);
  }

  @Test
  void setGuestVersionMakesGuestsOfThatTemplateReportAnotherVersion() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    p.deploy("build-2", "ubuntu-24-raw");
    p.controls().setGuestVersion("debian-12-raw", "11.0");
    assertEquals(Optional.of("11.0"), p.guestVersion("build-1"), "also for guests running already");
    assertEquals(Optional.of("24.04"), p.guestVersion("build-2"));
    p.controls().setGuestVersion("ubuntu-24-raw", null);
    assertEquals(Optional.empty(), p.guestVersion("build-2"));
    // The catalogue itself is unchanged.
    assertTrue(
        p.templates()
            .contains(new ProviderTemplate("debian-12-raw", "debian", "12.8", DATE, false)));
  }

  @Test
  void forcedVerifyFailureIsTransientGuestUnreachable() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    p.controls().failNext(Operation.VERIFY);
    ProviderException e = assertFailsTransiently(() -> p.guestVersion("build-1"));
    assertTrue(e.getMessage().contains("guest unreachable"), e.getMessage());
    assertEquals(Optional.of("12.8"), p.guestVersion("build-1"));
  }

  @Test
  void guestVersionOfMissingOrPoweredOffVmFailsPermanently() {
    SimulatedProvider p = provider();
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.guestVersion("nope"));
    p.deploy("build-1", "debian-12-raw");
    p.powerOff("build-1", Duration.ZERO);
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.guestVersion("build-1"));
  }

  @Test
  void stepsOnABootingPoolVmFailTransiently() {
    SimulatedProvider p = provider();
    p.cloneVm("vm-1", "debian-12-raw");
    assertFailsTransiently(() -> p.guestVersion("vm-1"));
    clock.advance(Duration.ofSeconds(30));
    assertEquals(Optional.of("12.8"), p.guestVersion("vm-1"));
  }

  // --- configure, seal, poweroff ------------------------------------------------------------

  @Test
  void configureRecordsSettingsOnTheVm() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    assertEquals(Optional.empty(), p.controls().configuration("build-1"));
    slept.clear();
    p.configure("build-1", Map.of("script", "apt-get upgrade", "ntp", "pool.ntp.org"));
    assertEquals(
        Optional.of(Map.of("script", "apt-get upgrade", "ntp", "pool.ntp.org")),
        p.controls().configuration("build-1"));
    assertEquals(List.of(STEP), slept);
    // Again (a retry): the same result.
    p.configure("build-1", Map.of("script", "apt-get upgrade", "ntp", "pool.ntp.org"));
    assertEquals(
        Optional.of(Map.of("script", "apt-get upgrade", "ntp", "pool.ntp.org")),
        p.controls().configuration("build-1"));
    assertEquals(
        Optional.of(Map.of("script", "apt-get upgrade", "ntp", "pool.ntp.org")),
        provider().controls().configuration("build-1"),
        "persisted");
  }

  @Test
  void configureOfMissingOrPoweredOffVmFailsPermanently() {
    SimulatedProvider p = provider();
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.configure("nope", Map.of()));
    p.deploy("build-1", "debian-12-raw");
    p.powerOff("build-1", Duration.ZERO);
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.configure("build-1", Map.of()));
    assertEquals(Optional.empty(), p.controls().configuration("build-1"));
  }

  @Test
  void sealMarksTheVmSealed() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    assertFalse(p.controls().isSealed("build-1"));
    p.seal("build-1");
    assertTrue(p.controls().isSealed("build-1"));
    p.seal("build-1");
    assertTrue(p.controls().isSealed("build-1"));
    assertTrue(provider().controls().isSealed("build-1"), "persisted");
    assertFalse(p.controls().isSealed("nope"));
  }

  @Test
  void sealOfMissingOrBrokenVmFailsPermanently() {
    SimulatedProvider p = provider();
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.seal("nope"));
    p.controls().failNext(Operation.DEPLOY);
    assertFailsTransiently(() -> p.deploy("build-1", "debian-12-raw"));
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.seal("build-1"));
  }

  @Test
  void powerOffTurnsVmOffAndIsIdempotent() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    slept.clear();
    p.powerOff("build-1", Duration.ofMinutes(1));
    assertEquals(PowerState.POWERED_OFF, p.get("build-1").orElseThrow().powerState());
    assertEquals(List.of(STEP), slept);
    p.powerOff("build-1", Duration.ofMinutes(1));
    assertEquals(PowerState.POWERED_OFF, p.get("build-1").orElseThrow().powerState());
    assertEquals(1, slept.size(), "already off: returns at once");
  }

  @Test
  void powerOffOfMissingVmFailsPermanently() {
    assertFailsPermanently(
        ErrorTypes.STEP_FAILED, () -> provider().powerOff("nope", Duration.ZERO));
  }

  @Test
  void forcedPowerOffFailureKeepsVmRunning() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    p.controls().failNext(Operation.POWEROFF, "guest ignores ACPI");
    assertFailsTransiently(() -> p.powerOff("build-1", Duration.ZERO));
    assertEquals(PowerState.RUNNING, p.get("build-1").orElseThrow().powerState());
  }

  // --- forced failures of every step --------------------------------------------------------

  /** Calls one step on VM "build-1", which {@link #readyFor} has brought to where the step runs. */
  private static Consumer<SimulatedProvider> step(Operation op) {
    return switch (op) {
      case DEPLOY -> p -> p.deploy("build-1", "debian-12-raw");
      case VERIFY -> p -> p.guestVersion("build-1");
      case CONFIGURE -> p -> p.configure("build-1", Map.of("k", "v"));
      case SEAL -> p -> p.seal("build-1");
      case POWEROFF -> p -> p.powerOff("build-1", Duration.ZERO);
      case FINISH -> p -> p.createTemplate("build-1", "prepared");
      default -> throw new IllegalArgumentException(op.toString());
    };
  }

  private static void readyFor(SimulatedProvider p, Operation op) {
    if (op == Operation.DEPLOY) {
      return;
    }
    p.deploy("build-1", "debian-12-raw");
    if (op == Operation.FINISH) {
      p.powerOff("build-1", Duration.ZERO);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Operation.class,
      names = {"DEPLOY", "VERIFY", "CONFIGURE", "SEAL", "POWEROFF", "FINISH"})
  void forcedStepFailureIsTransientOnceThenTheStepWorks(Operation op) {
    SimulatedProvider p = provider();
    readyFor(p, op);
    p.controls().failNext(op, "flaky");
    ProviderException e = assertFailsTransiently(() -> step(op).accept(p));
    assertTrue(e.getMessage().contains("simulated " + op.step() + " failure"), e.getMessage());
    assertTrue(e.getMessage().contains("flaky"), e.getMessage());
    step(op).accept(p);
  }

  @ParameterizedTest
  @EnumSource(
      value = Operation.class,
      names = {"DEPLOY", "VERIFY", "CONFIGURE", "SEAL", "POWEROFF", "FINISH"})
  void forcedPermanentStepFailureIsStepFailed(Operation op) {
    SimulatedProvider p = provider();
    readyFor(p, op);
    p.controls().failNextPermanently(op, "script exited 1");
    ProviderException e = assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> step(op).accept(p));
    assertTrue(e.getMessage().contains("script exited 1"), e.getMessage());
  }

  @Test
  void forcedFailuresQueueUpSoAStepCanFailAfterRetries() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    for (int i = 0; i < 3; i++) {
      p.controls().failNext(Operation.CONFIGURE);
    }
    p.controls().failNextPermanently(Operation.CONFIGURE, "gave up");
    for (int i = 0; i < 3; i++) {
      assertFailsTransiently(() -> p.configure("build-1", Map.of()));
    }
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.configure("build-1", Map.of()));
    p.configure("build-1", Map.of());
    assertEquals(Optional.of(Map.of()), p.controls().configuration("build-1"));
  }

  @ParameterizedTest
  @EnumSource(
      value = Operation.class,
      names = {"CLONE", "BOOT", "DESTROY", "DELETE_TEMPLATE"})
  void onlyPreparationStepsCanBeForcedToFailPermanently(Operation op) {
    assertThrows(
        IllegalArgumentException.class, () -> provider().controls().failNextPermanently(op, "x"));
  }

  @ParameterizedTest
  @EnumSource(
      value = Operation.class,
      names = {"DEPLOY", "VERIFY", "CONFIGURE", "SEAL", "POWEROFF", "FINISH"})
  void failStepsHundredPercentAlwaysFailsTransiently(Operation op) {
    SimulatedProvider setup = provider();
    readyFor(setup, op);
    SimulatedProvider p = provider(settings(Map.of(op.step(), 100.0), List.of(DEBIAN)), 10);
    for (int i = 0; i < 5; i++) {
      ProviderException e = assertFailsTransiently(() -> step(op).accept(p));
      assertTrue(e.getMessage().contains("fail_steps." + op.step()), e.getMessage());
    }
  }

  @Test
  void failStepsZeroNeverFails() {
    SimulatedProvider p =
        provider(
            settings(
                Map.of(
                    "deploy",
                    0.0,
                    "verify",
                    0.0,
                    "configure",
                    0.0,
                    "seal",
                    0.0,
                    "poweroff",
                    0.0,
                    "finish",
                    0.0),
                List.of(DEBIAN)),
            1000);
    for (int i = 0; i < 30; i++) {
      prepare(p, "build-" + i, "debian-12-raw");
      p.createTemplate("build-" + i, "prepared-" + i);
    }
    assertTrue(p.inventory().isEmpty());
    assertEquals(31, p.templates().size());
  }

  @Test
  void failStepsFiftyPercentFailsSomeButNotAll() {
    SimulatedProvider p = provider(settings(Map.of("configure", 50.0), List.of(DEBIAN)), 10);
    p.deploy("build-1", "debian-12-raw");
    int failures = 0;
    for (int i = 0; i < 200; i++) {
      try {
        p.configure("build-1", Map.of());
      } catch (ProviderException e) {
        assertFalse(e.permanent());
        failures++;
      }
    }
    assertTrue(failures > 50 && failures < 150, "failures: " + failures);
  }

  // --- finish (createTemplate) --------------------------------------------------------------

  @Test
  void createTemplateConsumesTheVmAndAddsPreparedTemplateFromItsSource() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    slept.clear();
    ProviderTemplate t = p.createTemplate("build-1", "debian-12-20250201");
    assertEquals(new ProviderTemplate("debian-12-20250201", "debian", "12.8", DATE, true), t);
    assertEquals(List.of(STEP), slept);
    assertTrue(p.get("build-1").isEmpty());
    assertTrue(p.inventory().isEmpty());
    assertTrue(p.templates().contains(t));
    assertTrue(p.controls().halfMadeTemplates().isEmpty());
    // Clones of the prepared template report its version.
    p.deploy("vm-from-prepared", "debian-12-20250201");
    assertEquals(Optional.of("12.8"), p.guestVersion("vm-from-prepared"));
  }

  @Test
  void createTemplateFromVmOfUnknownTemplateHasNoGroupVersionOrDate() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "mystery");
    assertEquals(
        new ProviderTemplate("prepared", null, null, null, true),
        p.createTemplate("build-1", "prepared"));
  }

  @Test
  void createTemplateRepeatedAfterTheVmWasConsumedReturnsTheTemplate() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    ProviderTemplate first = p.createTemplate("build-1", "prepared");
    slept.clear();
    assertEquals(first, p.createTemplate("build-1", "prepared"));
    assertTrue(slept.isEmpty());
    assertEquals(1, p.templates().stream().filter(t -> t.name().equals("prepared")).count());
  }

  @Test
  void createTemplateOfRunningVmFailsPermanentlyAndKeepsTheVm() {
    SimulatedProvider p = provider();
    p.deploy("build-1", "debian-12-raw");
    ProviderException e =
        assertFailsPermanently(
            ErrorTypes.STEP_FAILED, () -> p.createTemplate("build-1", "prepared"));
    assertTrue(e.getMessage().contains("powered off"), e.getMessage());
    assertTrue(p.get("build-1").isPresent());
    assertEquals(2, p.templates().size());
  }

  @Test
  void createTemplateOfMissingVmFailsPermanently() {
    assertFailsPermanently(
        ErrorTypes.STEP_FAILED, () -> provider().createTemplate("nope", "prepared"));
  }

  @Test
  void createTemplateOverAnExistingTemplateNameFailsPermanently() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    assertFailsPermanently(
        ErrorTypes.STEP_FAILED, () -> p.createTemplate("build-1", "ubuntu-24-raw"));
    assertTrue(p.get("build-1").isPresent());
    assertTrue(
        p.templates()
            .contains(new ProviderTemplate("ubuntu-24-raw", "ubuntu", "24.04", null, false)));
  }

  @Test
  void failedFinishLeavesHalfMadeTemplateThatDeleteOnErrorCleansUp() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    p.controls().failNextPermanently(Operation.FINISH, "disk write error");
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.createTemplate("build-1", "prepared"));

    ProviderTemplate half = new ProviderTemplate("prepared", "debian", "12.8", DATE, true);
    assertEquals(List.of(half), p.controls().halfMadeTemplates());
    assertTrue(p.templates().contains(half));
    assertEquals(PowerState.POWERED_OFF, p.get("build-1").orElseThrow().powerState());
    assertEquals(List.of(half), provider().controls().halfMadeTemplates(), "persisted");
    assertFailsPermanently(ErrorTypes.STEP_FAILED, () -> p.deploy("vm", "prepared"));

    // Delete-on-error.
    p.destroy("build-1");
    p.deleteTemplate("prepared");
    assertTrue(p.inventory().isEmpty());
    assertTrue(p.controls().halfMadeTemplates().isEmpty());
    assertEquals(
        List.of("debian-12-raw", "ubuntu-24-raw"),
        p.templates().stream().map(ProviderTemplate::name).toList());
  }

  @Test
  void finishRetriedAfterTransientFailureReplacesTheHalfMadeTemplate() {
    SimulatedProvider p = provider();
    prepare(p, "build-1", "debian-12-raw");
    p.controls().failNext(Operation.FINISH);
    assertFailsTransiently(() -> p.createTemplate("build-1", "prepared"));
    assertEquals(1, p.controls().halfMadeTemplates().size());

    ProviderTemplate t = p.createTemplate("build-1", "prepared");
    assertTrue(t.prepared());
    assertTrue(p.controls().halfMadeTemplates().isEmpty());
    assertTrue(p.inventory().isEmpty());
  }

  @Test
  void wholeChainOnFreshProviderWithoutConfiguredTemplates() {
    SimulatedSettings s =
        new SimulatedSettings(
            SecondsRange.ZERO, SecondsRange.ZERO, SecondsRange.ZERO, FailPercent.NONE, 0, null);
    SimulatedProvider p = provider(s, 5);
    assertTrue(p.templates().isEmpty());
    prepare(p, "build-1", "raw");
    assertEquals(
        new ProviderTemplate("done", null, null, null, true), p.createTemplate("build-1", "done"));
    assertEquals(
        Collections.nCopies(6, Duration.ofSeconds(1)),
        slept,
        "six steps of the default step_seconds");
    assertEquals(List.of(new ProviderTemplate("done", null, null, null, true)), p.templates());
  }
}
