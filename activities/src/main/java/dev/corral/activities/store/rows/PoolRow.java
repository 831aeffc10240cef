package dev.corral.activities.store.rows;

import dev.corral.workflows.model.VmShape;
import java.time.Instant;

/**
 * One row of {@code pool}: the pool's config as last synced, plus whether it is still configured. A
 * pool names a fixed {@code template}, or selects one by {@code templateGroup} (then template is
 * null).
 *
 * <p>Read back, {@code size} and {@code template} are the <em>effective</em> values: an API
 * override ({@code sizeOverride}, {@code templateOverride}) wins over the config, and a template
 * override also replaces a selector. So the planner, the provisioner and the views follow overrides
 * without knowing of them. {@code configuredSize} and {@code configuredTemplate} are what the
 * config says; written, {@code size} and {@code template} are the configured values (the sync never
 * touches overrides).
 */
public record PoolRow(
    String name,
    String template,
    String templateGroup,
    String templateVersion,
    boolean templatePrepared,
    int size,
    long readyTtlS,
    long bootTimeoutS,
    int maxTries,
    long lifetimeS,
    long maxLifetimeS,
    Integer memoryMb,
    Integer cpus,
    boolean active,
    Instant updatedAt,
    int configuredSize,
    String configuredTemplate,
    Integer sizeOverride,
    String templateOverride,
    Boolean templateContainer) {

  /**
   * The memory and CPUs the pool asks of its VMs (nulls: the provider's defaults), and its name.
   */
  public VmShape shape() {
    return new VmShape(memoryMb, cpus, name);
  }

  /** The template selector, or null for a pool on a fixed template. */
  public PoolSelector selector() {
    return templateGroup == null
        ? null
        : new PoolSelector(templateGroup, templateVersion, templatePrepared, templateContainer);
  }
}
