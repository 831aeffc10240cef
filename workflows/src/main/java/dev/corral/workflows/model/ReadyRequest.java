package dev.corral.workflows.model;

import java.time.Duration;

/** Wait until the VM is usable, at most {@code timeout}. */
public record ReadyRequest(String provider, String vm, Duration timeout) {}
