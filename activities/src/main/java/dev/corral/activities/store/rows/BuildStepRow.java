package dev.corral.activities.store.rows;

import java.time.Instant;

/** One step of a build as it ran; {@code attempts} counts Temporal's tries of it. */
public record BuildStepRow(
    long buildId,
    int seq,
    String name,
    String state,
    int attempts,
    Instant startedAt,
    Instant endedAt,
    String error) {
  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
}
