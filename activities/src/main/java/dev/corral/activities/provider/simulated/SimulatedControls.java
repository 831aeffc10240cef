package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What tests and benchmarks do to a simulated hypervisor that Corral itself never does: force
 * failures, pull the plug, seed VMs and templates, and look at what the calls left behind. Kept
 * apart from {@link SimulatedProvider} ({@link SimulatedProvider#controls()}) so that no caller
 * mistakes them for the provider's own calls. Forced failures, guest versions and the cleanup count
 * are not persisted; everything else is.
 */
public interface SimulatedControls {

  /** The kinds of call {@link #failNext} can force to fail. */
  enum Operation {
    /** The next clone fails half-way: a BROKEN VM is left and CloneFailed is thrown. */
    CLONE(null),
    /** The next VM whose clone succeeds is fated to fail its boot. */
    BOOT(null),
    /** The next destroy of an existing VM fails transiently; the VM stays. */
    DESTROY(null),
    /**
     * The next cleanup of a released VM fails for good (CleanupFailed): Corral destroys it instead.
     */
    CLEAN(null),
    /**
     * The next deploy fails half-way: a BROKEN VM is left (destroy removes it, a new deploy
     * replaces it).
     */
    DEPLOY("deploy"),
    /** The next guestVersion fails: the guest is unreachable. */
    VERIFY("verify"),
    /** The next configure fails; the VM keeps its earlier configuration. */
    CONFIGURE("configure"),
    /** The next seal fails; the VM stays unsealed. */
    SEAL("seal"),
    /** The next power-off of a powered-on VM fails; the VM stays on. */
    POWEROFF("poweroff"),
    /** The next createTemplate fails half-way: a half-made template is left and the VM stays. */
    FINISH("finish"),
    /** The next deleteTemplate of an existing template fails transiently; the template stays. */
    DELETE_TEMPLATE(null),
    /** The next snapshot that has work to do fails transiently; the VM stays as it was. */
    SNAPSHOT(null),
    /** The next revert fails transiently; the VM stays as it was. */
    REVERT(null),
    /** The next addDisk that has work to do fails transiently; no disk is added. */
    ADD_DISK(null);

    private final String step;

    Operation(String step) {
      this.step = step;
    }

    /** The preparation step's name in {@link SimulatedSettings#STEPS}, or null for other calls. */
    public String step() {
      return step;
    }
  }

  /**
   * What the VM tasks left on a VM: its snapshots and disks in the order made, and the last revert.
   */
  record VmTaskState(
      List<String> snapshots, Map<String, Integer> disksGb, String revertedTo, int reverts) {}

  /** Where the inventory is persisted. */
  Path stateFile();

  /**
   * The next call of kind {@code op} fails with {@code reason}, whatever the configured
   * percentages. Calls queue up: two {@code failNext(CLONE, …)} fail the next two clones. A
   * preparation step forced this way fails transiently (worth retrying); queue as many as the
   * caller's retries to make a step "fail after retries".
   */
  void failNext(Operation op, String reason);

  /** {@link #failNext(Operation, String)} with reason "forced". */
  void failNext(Operation op);

  /**
   * The next call of preparation step {@code op} fails permanently, with StepFailed, so a caller
   * gives up at once. Queues up with {@link #failNext} in call order.
   *
   * @throws IllegalArgumentException if {@code op} is not a preparation step ({@link
   *     Operation#step()} is null): clone, boot, destroy and clean failures have fixed kinds
   */
  void failNextPermanently(Operation op, String reason);

  /** How many cleanups of the VM succeeded since this provider object was made. */
  int timesCleaned(String vmName);

  /**
   * Powers a running (or booting) VM off now, as if someone pulled the plug.
   *
   * @return whether the VM was powered off by this call (false if unknown or not powered on)
   */
  boolean powerOff(String vmName);

  /**
   * Puts running VMs into the inventory at once, as if each had been cloned from {@code template}
   * and had booted, with the same host name and a fresh address each, and writes the state file
   * once. Cloning N VMs one by one writes the whole file N times (O(N²): hours for 10,000), which
   * is why a benchmark seeds a large inventory this way. Not bounded by {@code max_vms}, like VMs a
   * hypervisor already runs.
   *
   * @throws IllegalArgumentException if a name is blank or already in the inventory; nothing is
   *     added then
   */
  void addRunning(List<String> vmNames, String template);

  /**
   * The guest now answers under another host name, as a clone that kept its template's identity
   * does.
   *
   * @return whether the VM exists
   */
  boolean renameGuest(String vmName, String hostname);

  /**
   * Guests deployed or cloned from {@code template} (also those running already) report {@code
   * version} from now on; null makes them report none.
   */
  void setGuestVersion(String template, String version);

  /**
   * Puts a raw template into the catalogue (as if a new raw build were uploaded), replacing one of
   * that name and un-deleting it.
   */
  ProviderTemplate putTemplate(SimulatedTemplate template);

  /** Templates a failed finish left half-made (also in the provider's listing, as prepared). */
  List<ProviderTemplate> halfMadeTemplates();

  /** The settings the last successful configure recorded on the VM; empty if none or no such VM. */
  Optional<Map<String, String>> configuration(String vmName);

  /** Whether a seal succeeded on the VM (false for an unknown VM). */
  boolean isSealed(String vmName);

  /** The VM's snapshots, disks and last revert; empty for an unknown VM. */
  Optional<VmTaskState> vmTaskState(String vmName);
}
