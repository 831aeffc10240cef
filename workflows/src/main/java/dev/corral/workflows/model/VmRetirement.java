package dev.corral.workflows.model;

/** One VM to destroy and why; the reason is stored on the VM so users can see it. */
public record VmRetirement(String vm, String reason) {}
