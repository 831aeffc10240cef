package dev.corral.activities.store.rows;

import java.time.Instant;

/** One row of {@code build}: a preparation chain run for one source template on one provider. */
public record BuildRow(
    long id,
    String templateGroup,
    String provider,
    long sourceTemplateId,
    String state,
    String step,
    String error,
    String workflowId,
    String vmName,
    String resultName,
    Long resultTemplateId,
    Long retryOf,
    Instant createdAt,
    Instant startedAt,
    Instant endedAt,
    Instant updatedAt) {

  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  public boolean ended() {
    return SUCCEEDED.equals(state) || FAILED.equals(state) || CANCELLED.equals(state);
  }
}
