package dev.corral.workflows.model;

/**
 * Run the provider's cleanup hook on a released VM, so its owner can lease it again; idempotent.
 */
public record CleanRequest(String provider, String vm) {}
