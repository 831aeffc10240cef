package dev.corral.workflows.model;

/** Every try failed; the VM is given up and its row keeps the last reason. */
public record VmFailed(String vm, int attempts, String reason) {}
