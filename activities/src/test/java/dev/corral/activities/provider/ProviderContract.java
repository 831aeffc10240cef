package dev.corral.activities.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmTaskKinds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What every provider must do, checked against a real instance. Read this first when you add a
 * provider.
 *
 * <h2>Building a provider</h2>
 *
 * <ol>
 *   <li>Give it a package, {@code dev.corral.activities.provider.<type>}, holding everything of it:
 *       its settings record (implements {@code dev.corral.config.ProviderSettings}), how those
 *       settings are read (a {@code ProviderSettingsBinder}: read each key through {@code
 *       SettingsMapping}, which reports a bad value with its key and line, and any key never read
 *       as unknown), its {@link VmProvider} and helpers, and a {@link ProviderType} that names the
 *       type, binds its settings and builds the provider. {@code simulated} and {@code qemu} show
 *       the shape.
 *   <li>Register it with one line in {@link ProviderTypes}: every config load then reads and checks
 *       its settings, and {@link ProviderRegistry} builds it.
 *   <li>Document its keys in README.md (next to the QEMU provider's) and in corral-example.yaml.
 *   <li>Subclass this class in the provider's test package and pass it: supply a fresh provider, a
 *       template to clone, how long a boot may take here, and how to make a step fail. A provider
 *       that needs a real hypervisor requires it in its subclass and fails with a clear message
 *       where it is missing; it never skips for that.
 * </ol>
 *
 * <p>The only tests skipped are those of VM tasks the provider declares it cannot run ({@link
 * VmProvider#features}, e.g. snapshots of containers): JUnit reports them skipped with the
 * provider's own sentence, and the kit checks instead that such a task is refused for good, naming
 * that limit.
 *
 * <h2>The promises checked</h2>
 *
 * <p>They are {@link VmProvider}'s own, in the outcomes Corral relies on. Every mutating call is
 * idempotent by name, because Temporal runs an activity again after a worker died mid-call: a
 * second clone or deploy of a name returns the same VM, a second snapshot or disk of an id does
 * nothing, a second finish returns the same template, and destroying or deleting what is gone
 * succeeds. The inventory lists exactly the VMs that exist (the reconciler destroys what it lists
 * and the database does not know). Readiness is a quick probe that ends in READY for a clone of a
 * good template. The preparation chain (deploy, verify, configure, seal, power off, finish) turns a
 * VM into a prepared template that clones boot from; after a failed step, delete-on-error (destroy
 * the VM, delete the template) leaves nothing behind. Failures are typed: a permanent {@link
 * ProviderException} carries an {@link ErrorTypes} name and is not retried, a transient one is.
 */
public abstract class ProviderContract {
  /** The name the kit gives the provider; {@link VmProvider#name()} must report it. */
  protected static final String NAME = "kit";

  /** Names as Corral makes them: short, lowercase, at most 23 characters. */
  private static final String VM = "corral-kit-vm1";

  private static final String OTHER_VM = "corral-kit-vm2";
  private static final String BUILD_VM = "corral-build-kit1";
  private static final String PREPARED = "kit-prepared-1";
  private static final Duration GRACEFUL = Duration.ofSeconds(30);

  protected VmProvider provider;

  /**
   * A new provider called {@code name}, with no VMs, holding {@link #template()}. Called before
   * each test; each test gets its own, so tests may delete the template.
   */
  protected abstract VmProvider newProvider(String name);

  /** A raw template the provider holds, that clones and deploys boot from. */
  protected abstract String template();

  /** How long a clone of {@link #template()} may take to become ready on this machine. */
  protected abstract Duration bootTimeout();

  /**
   * Makes the next {@code configure} of {@code vmName} (deployed, running) fail for good, the way
   * this provider's configure can fail (a forced failure, a script that exits 1), and returns the
   * configuration to pass to it.
   */
  protected abstract Map<String, String> failNextConfigurePermanently(String vmName);

  /**
   * Makes the next {@code configure} of {@code vmName} (deployed, running) fail for a passing
   * reason, as a dropped connection to the guest would.
   */
  protected abstract void failNextConfigureTransiently(String vmName);

  @BeforeEach
  void startProvider() {
    provider = newProvider(NAME);
  }

  /** Nothing a test made may outlive it: a real provider's VMs are processes. */
  @AfterEach
  void destroyWhatIsLeft() {
    if (provider == null) {
      return;
    }
    try {
      for (ProviderVm vm : provider.inventory()) {
        provider.destroy(vm.name());
      }
    } finally {
      provider.close();
    }
  }

  // --- pool VMs ----------------------------------------------------------------------------------

  @Test
  void aCloneBecomesReady_andCloningTheSameNameAgainReturnsTheSameVm() {
    ProviderVm cloned = provider.cloneVm(VM, template());
    ProviderVm again = provider.cloneVm(VM, template());

    assertEquals(NAME, provider.name());
    assertEquals(VM, cloned.name());
    assertEquals(VM, again.name());
    assertEquals(List.of(VM), names(provider.inventory()), "one VM, however often it is cloned");
    Readiness ready = awaitReady(VM);
    assertNotNull(ready.hostname());
    assertNotNull(ready.ip());
    assertEquals(PowerState.RUNNING, provider.get(VM).orElseThrow().powerState());
  }

  @Test
  void destroyRemovesTheVm_andDestroyingAVmThatIsNotThereSucceeds() {
    provider.cloneVm(VM, template());
    awaitReady(VM);

    provider.destroy(VM);
    provider.destroy(VM);
    provider.destroy("corral-kit-never");

    assertEquals(Optional.empty(), provider.get(VM));
    assertEquals(List.of(), provider.inventory());
  }

  @Test
  void theInventoryListsExactlyTheVmsThatExist() {
    assertEquals(List.of(), provider.inventory(), "a new provider holds nothing");

    provider.cloneVm(VM, template());
    provider.cloneVm(OTHER_VM, template());
    assertEquals(Set.of(VM, OTHER_VM), Set.copyOf(names(provider.inventory())));

    provider.destroy(VM);
    assertEquals(List.of(OTHER_VM), names(provider.inventory()));
  }

  @Test
  void aVmThatIsNotThere_isEmpty_andItsReadinessFails() {
    assertEquals(Optional.empty(), provider.get("corral-kit-never"));
    assertEquals(Readiness.State.FAILED, provider.checkReady("corral-kit-never").state());
  }

  @Test
  void cleaningForReuse_isIdempotent_orRefusedForGood_andAMissingVmCannotBeCleaned() {
    provider.cloneVm(VM, template());
    awaitReady(VM);

    try {
      provider.cleanForReuse(VM);
      provider.cleanForReuse(VM);
      assertEquals(
          PowerState.RUNNING, provider.get(VM).orElseThrow().powerState(), "cleaning keeps the VM");
    } catch (ProviderException refused) {
      // A provider without a cleanup hook refuses; Corral then destroys the VM instead of reusing
      // it.
      assertPermanent(ErrorTypes.CLEANUP_FAILED, refused);
    }
    assertFailsPermanently(
        ErrorTypes.CLEANUP_FAILED, () -> provider.cleanForReuse("corral-kit-never"));
  }

  // --- template preparation ------------------------------------------------------------------

  @Test
  void theChainMakesAPreparedTemplate_thatClonesBootFrom_andEveryStepMayBeRepeated() {
    ProviderTemplate raw =
        listed(template())
            .orElseThrow(
                () ->
                    new AssertionError(
                        template() + " is not in the provider's listing: " + provider.templates()));

    ProviderVm deployed = provider.deploy(BUILD_VM, template());
    assertEquals(PowerState.RUNNING, deployed.powerState(), "deploy returns once the VM runs");
    assertEquals(BUILD_VM, provider.deploy(BUILD_VM, template()).name());
    assertEquals(
        Optional.ofNullable(raw.version()),
        provider.guestVersion(BUILD_VM),
        "verify: the template's version");
    provider.configure(BUILD_VM, Map.of("motd", "prepared by the provider kit"));
    provider.seal(BUILD_VM);
    provider.powerOff(BUILD_VM, GRACEFUL);
    provider.powerOff(BUILD_VM, GRACEFUL);
    assertEquals(PowerState.POWERED_OFF, provider.get(BUILD_VM).orElseThrow().powerState());
    ProviderTemplate made = provider.createTemplate(BUILD_VM, PREPARED);

    assertEquals(PREPARED, made.name());
    assertTrue(made.prepared(), made.toString());
    assertEquals(
        made,
        provider.createTemplate(BUILD_VM, PREPARED),
        "a repeated finish returns the template");
    assertEquals(Optional.of(made), listed(PREPARED));
    assertEquals(Optional.empty(), provider.get(BUILD_VM), "finish consumes the VM");

    provider.cloneVm(VM, PREPARED);
    awaitReady(VM);
    provider.destroy(VM);
    provider.deleteTemplate(PREPARED);
    provider.deleteTemplate(PREPARED);
    assertEquals(Optional.empty(), listed(PREPARED));
  }

  @Test
  void aStepThatFailsForGood_isPermanent_andDeleteOnErrorLeavesNothingBehind() {
    provider.deploy(BUILD_VM, template());
    Map<String, String> failing = failNextConfigurePermanently(BUILD_VM);

    ProviderException e =
        assertThrows(ProviderException.class, () -> provider.configure(BUILD_VM, failing));

    assertPermanent(ErrorTypes.STEP_FAILED, e);
    // Delete-on-error, as the build chain runs it: both calls, whatever the chain got to make.
    provider.destroy(BUILD_VM);
    provider.deleteTemplate(PREPARED);
    assertEquals(Optional.empty(), provider.get(BUILD_VM));
    assertFalse(names(provider.inventory()).contains(BUILD_VM), provider.inventory().toString());
    assertEquals(Optional.empty(), listed(PREPARED));
  }

  @Test
  void aStepThatFailsForAPassingReason_isTransient_andLeavesTheVmForARetryOrCleanup() {
    provider.deploy(BUILD_VM, template());
    failNextConfigureTransiently(BUILD_VM);

    ProviderException e =
        assertThrows(
            ProviderException.class, () -> provider.configure(BUILD_VM, Map.of("motd", "x")));

    assertFalse(e.permanent(), "a passing failure is worth retrying: " + e.getMessage());
    assertTrue(
        provider.get(BUILD_VM).isPresent(),
        "the VM is still there for the retry or delete-on-error");
    provider.destroy(BUILD_VM);
    assertEquals(Optional.empty(), provider.get(BUILD_VM));
  }

  @Test
  void deployingATemplateThatIsGone_isAPermanentTemplateNotFound_andMakesNoVm() {
    provider.deleteTemplate(template());
    provider.deleteTemplate(template());
    provider.deleteTemplate("kit-never-there");
    assertEquals(Optional.empty(), listed(template()));

    assertFailsPermanently(
        ErrorTypes.TEMPLATE_NOT_FOUND, () -> provider.deploy(BUILD_VM, template()));
    assertEquals(Optional.empty(), provider.get(BUILD_VM));
  }

  // --- VM tasks ------------------------------------------------------------------------------

  @Test
  void snapshotsRevertsAndDisks_mayBeRepeated_andAMissingSnapshotIsSnapshotNotFound() {
    assumeSupported(VmTaskKinds.SNAPSHOT, VmTaskKinds.REVERT, VmTaskKinds.DISK);
    provider.cloneVm(VM, template());
    awaitReady(VM);

    provider.snapshot(VM, "snap1");
    provider.snapshot(VM, "snap1");
    provider.revertSnapshot(VM, "snap1");
    provider.revertSnapshot(VM, "snap1");
    provider.addDisk(VM, "data1", 1);
    provider.addDisk(VM, "data1", 1);

    assertFailsPermanently(
        ErrorTypes.SNAPSHOT_NOT_FOUND, () -> provider.revertSnapshot(VM, "nope"));
    assertTrue(provider.get(VM).isPresent());
  }

  @Test
  void tasksOnAVmThatIsNotThere_areAPermanentVmNotFound() {
    assumeSupported(VmTaskKinds.SNAPSHOT, VmTaskKinds.REVERT, VmTaskKinds.DISK);
    assertFailsPermanently(
        ErrorTypes.VM_NOT_FOUND, () -> provider.snapshot("corral-kit-never", "snap1"));
    assertFailsPermanently(
        ErrorTypes.VM_NOT_FOUND, () -> provider.revertSnapshot("corral-kit-never", "snap1"));
    assertFailsPermanently(
        ErrorTypes.VM_NOT_FOUND, () -> provider.addDisk("corral-kit-never", "data1", 1));
  }

  @Test
  void tasksTheProviderDeclaresUnsupported_areRefusedForGood_namingItsLimit_andLeaveTheVm() {
    ProviderFeatures features = provider.features();
    assumeFalse(features.unsupported().isEmpty(), "provider " + NAME + " runs every VM task");
    provider.cloneVm(VM, template());
    awaitReady(VM);

    List<String> refused = new ArrayList<>();
    for (String kind : features.unsupported().keySet()) {
      Executable task =
          switch (kind) {
            case VmTaskKinds.SNAPSHOT -> () -> provider.snapshot(VM, "snap1");
            case VmTaskKinds.REVERT -> () -> provider.revertSnapshot(VM, "snap1");
            case VmTaskKinds.DISK -> () -> provider.addDisk(VM, "data1", 1);
            default -> throw new AssertionError("a VM task the kit does not know: " + kind);
          };
      ProviderException e = assertThrows(ProviderException.class, task, kind);
      assertPermanent(ErrorTypes.STEP_FAILED, e);
      assertTrue(
          e.getMessage().contains(features.limit(kind).orElseThrow()),
          "the refusal names the limit: " + e.getMessage());
      refused.add(kind);
    }
    assertEquals(List.copyOf(features.unsupported().keySet()), refused);
    assertEquals(PowerState.RUNNING, provider.get(VM).orElseThrow().powerState());
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * Skips the calling test, visibly, when the provider declares one of {@code taskKinds}
   * unsupported; the message is the provider's own sentence.
   */
  private void assumeSupported(String... taskKinds) {
    for (String kind : taskKinds) {
      assumeTrue(
          provider.features().supports(kind),
          () ->
              "provider declares "
                  + kind
                  + " unsupported: "
                  + provider.features().limit(kind).orElse(""));
    }
  }

  /**
   * Polls {@link VmProvider#checkReady} as Corral does, until READY; FAILED or the boot timeout
   * fails the test.
   */
  protected Readiness awaitReady(String vmName) {
    long deadline = System.nanoTime() + bootTimeout().toNanos();
    while (true) {
      Readiness r = provider.checkReady(vmName);
      if (r.state() == Readiness.State.READY) {
        return r;
      }
      assertNotEquals(Readiness.State.FAILED, r.state(), vmName + ": " + r.reason());
      assertTrue(System.nanoTime() < deadline, vmName + " not ready within " + bootTimeout());
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private Optional<ProviderTemplate> listed(String name) {
    return provider.templates().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  private static List<String> names(List<ProviderVm> vms) {
    return vms.stream().map(ProviderVm::name).collect(Collectors.toList());
  }

  private static void assertFailsPermanently(String errorType, Executable call) {
    assertPermanent(errorType, assertThrows(ProviderException.class, call));
  }

  private static void assertPermanent(String errorType, ProviderException e) {
    assertTrue(e.permanent(), "expected a permanent failure: " + e.getMessage());
    assertEquals(errorType, e.errorType(), e.getMessage());
  }
}
