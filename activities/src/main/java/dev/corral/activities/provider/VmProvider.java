package dev.corral.activities.provider;

import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Corral needs from a hypervisor or cloud. Implementations are thread-safe: activities call
 * them from many worker threads at once. Every mutating call is idempotent by VM name, because
 * Temporal may run an activity again after a worker died mid-call.
 */
public interface VmProvider extends AutoCloseable {
  /** The provider's configured name. */
  String name();

  /**
   * Creates a VM called {@code vmName} from {@code template} and starts it booting. If a VM of that
   * name already exists, returns it instead of creating another. Throws {@link ProviderException}
   * when the clone fails; a failed clone may leave a half-made VM behind, which {@link #destroy}
   * removes.
   */
  ProviderVm cloneVm(String vmName, String template);

  /**
   * {@link #cloneVm(String, String)} with the pool's memory and CPUs. Providers whose VM size the
   * template fixes ignore the shape; those that size VMs themselves (qemu) use it over their own
   * default.
   */
  default ProviderVm cloneVm(String vmName, String template, VmShape shape) {
    return cloneVm(vmName, template);
  }

  /** One quick readiness probe; never blocks for long. Callers poll it until a deadline. */
  Readiness checkReady(String vmName);

  /** The VM as the provider sees it now, or empty when the provider has no such VM. */
  Optional<ProviderVm> get(String vmName);

  /** Every VM the provider holds for Corral (the reconciler compares it with the database). */
  List<ProviderVm> inventory();

  /** Destroys the VM. Destroying a VM that does not exist succeeds. */
  void destroy(String vmName);

  /**
   * The cleanup hook of {@code reuse: same_owner} pools: makes a released VM fit for its owner's
   * next lease (removes user data, resets what the lease changed). Idempotent: cleaning a clean VM
   * succeeds. Throws {@link ProviderException} when the VM cannot be cleaned (missing, broken);
   * Corral then destroys it instead of reusing it. A provider without such a hook refuses, so its
   * released VMs are always destroyed.
   */
  default void cleanForReuse(String vmName) {
    throw ProviderException.permanent(
        ErrorTypes.CLEANUP_FAILED,
        "provider "
            + name()
            + " has no cleanup hook; "
            + vmName
            + " is destroyed instead of reused");
  }

  // --- Template preparation (the build chain). Each step is idempotent by VM or template name. ---

  /** Raw and prepared templates the provider holds, as its own listing shows them. */
  List<ProviderTemplate> templates();

  /**
   * Deploys VM {@code vmName} from {@code template} for preparation and returns once it runs. If
   * the VM exists already, returns it. Throws a permanent {@link ProviderException}
   * (TemplateNotFound) when the provider has no such template.
   */
  ProviderVm deploy(String vmName, String template);

  /** The product version the guest reports, or empty when it reports none. */
  Optional<String> guestVersion(String vmName);

  /**
   * Applies a template group's configuration inside the guest (key/values, or a {@code script}).
   */
  void configure(String vmName, Map<String, String> settings);

  /**
   * Removes per-instance state (host keys, machine id, hostname, MACs) so clones come out unique.
   */
  void seal(String vmName);

  /**
   * Shuts the guest down cleanly, forcing it off after {@code graceful}. A VM already off stays
   * off.
   */
  void powerOff(String vmName, Duration graceful);

  /**
   * Turns the powered-off VM into template {@code templateName}; the VM is gone afterwards. When
   * the template exists already (a repeated call), returns it.
   */
  ProviderTemplate createTemplate(String vmName, String templateName);

  /** Deletes a template. Deleting a template that does not exist succeeds. */
  void deleteTemplate(String templateName);

  /**
   * Which VM tasks this provider runs; those it does not are refused before they are queued (a 4xx
   * naming {@link ProviderFeatures#limit}), and {@link #snapshot}, {@link #revertSnapshot} or
   * {@link #addDisk} called anyway throw a permanent {@link ProviderException} (StepFailed) naming
   * the limit. Never changes while the provider lives. Default: every task.
   */
  default ProviderFeatures features() {
    return ProviderFeatures.ALL;
  }

  // --- Tasks on a (leased) VM. Each is idempotent by VM and snapshot or disk id, since Temporal
  // may run
  // an activity again; a VM the provider does not have is a permanent VmNotFound. ---

  /**
   * Takes snapshot {@code snapshotId} of the VM; when the VM has that snapshot already, returns at
   * once.
   */
  void snapshot(String vmName, String snapshotId);

  /**
   * Reverts the VM to its snapshot {@code snapshotId}; doing it twice leaves the VM as doing it
   * once. Throws a permanent {@link ProviderException} (SnapshotNotFound) when the VM has no such
   * snapshot.
   */
  void revertSnapshot(String vmName, String snapshotId);

  /**
   * Attaches a new disk of {@code sizeGb} GB called {@code diskId}; when it is attached already,
   * returns at once.
   */
  void addDisk(String vmName, String diskId, int sizeGb);

  // --- Leftovers the reconciler removes. ---

  /**
   * Corral's empty folders that no configured pool uses (vSphere pool folders of pools since
   * removed), as full paths, when the provider is set to remove them; the reconciler removes each
   * at its second sighting, as it does unknown VMs. Providers without folders have none.
   *
   * @param pools the names of the configured pools
   */
  default List<String> unusedFolders(java.util.Set<String> pools) {
    return List.of();
  }

  /**
   * Removes a folder {@link #unusedFolders} listed, if it is still empty; one that is gone, or no
   * longer empty, is left and the call succeeds.
   */
  default void removeUnusedFolder(String folder) {}

  @Override
  default void close() {}
}
