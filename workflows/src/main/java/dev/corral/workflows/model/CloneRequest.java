package dev.corral.workflows.model;

/**
 * Clone {@code template} into a VM called {@code vm} of {@code shape} (null: the provider's
 * default); idempotent by name.
 */
public record CloneRequest(String provider, String vm, String template, VmShape shape) {
  public CloneRequest(String provider, String vm, String template) {
    this(provider, vm, template, null);
  }
}
