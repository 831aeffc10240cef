package dev.corral.workflows.model;

import java.time.Duration;

/** The tracker loop's state carried across continue-as-new. */
public record TrackerInput(Duration interval) {}
