package dev.corral.workflows.model;

/** One clone-and-boot try failed; the VM may still be retried with a fresh clone. */
public record VmTryFailed(String vm, int attempt, String reason) {}
