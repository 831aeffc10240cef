package dev.corral.workflows.model;

/**
 * What a pool asks of the VMs it has cloned: their size (a null part means the provider's default;
 * providers that cannot size a VM, because a template fixes it, ignore it), and the pool's name,
 * for providers that place each pool's VMs apart (vSphere folders). {@code pool} is null for
 * payloads recorded before it existed and for build VMs, which belong to no pool.
 */
public record VmShape(Integer memoryMb, Integer cpus, String pool) {
  public static final VmShape PROVIDER_DEFAULT = new VmShape(null, null, null);

  public VmShape(Integer memoryMb, Integer cpus) {
    this(memoryMb, cpus, null);
  }

  /** Never null, also for payloads recorded before pools had a shape. */
  public static VmShape orDefault(VmShape shape) {
    return shape == null ? PROVIDER_DEFAULT : shape;
  }
}
