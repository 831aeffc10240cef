package dev.corral.activities.provider;

import java.util.List;
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

  /** One quick readiness probe; never blocks for long. Callers poll it until a deadline. */
  Readiness checkReady(String vmName);

  /** The VM as the provider sees it now, or empty when the provider has no such VM. */
  Optional<ProviderVm> get(String vmName);

  /** Every VM the provider holds for Corral (the reconciler compares it with the database). */
  List<ProviderVm> inventory();

  /** Destroys the VM. Destroying a VM that does not exist succeeds. */
  void destroy(String vmName);

  @Override
  default void close() {}
}
