package dev.corral.workflows.model;

/** Destroy the VM; destroying a VM that is already gone succeeds. */
public record DestroyRequest(String provider, String vm) {}
