package dev.corral.workflows.model;

/** Clone {@code template} into a VM called {@code vm}; idempotent by name. */
public record CloneRequest(String provider, String vm, String template) {}
