package dev.corral.workflows.model;

/**
 * The size a pool asks its VMs to have; a null part means the provider's default. Providers that
 * cannot size a VM (a template fixes it) ignore it.
 */
public record VmShape(Integer memoryMb, Integer cpus) {
  public static final VmShape PROVIDER_DEFAULT = new VmShape(null, null);

  /** Never null, also for payloads recorded before pools had a shape. */
  public static VmShape orDefault(VmShape shape) {
    return shape == null ? PROVIDER_DEFAULT : shape;
  }
}
