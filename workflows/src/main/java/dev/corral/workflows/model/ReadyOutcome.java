package dev.corral.workflows.model;

/**
 * A VM that booted and was marked ready in the inventory by the same activity. {@code wanted} is
 * false when the inventory no longer wanted it (retired or its pool drained meanwhile): destroy it.
 */
public record ReadyOutcome(VmAddress address, boolean wanted) {}
