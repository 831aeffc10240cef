package dev.corral.activities.store.rows;

import java.time.Instant;

/** One row of {@code lease}; state is active, released or expired. */
public record LeaseRow(
    String id,
    String state,
    String owner,
    Instant createdAt,
    Instant expiresAt,
    Instant endedAt,
    String endReason) {
  public static final String ACTIVE = "active";
  public static final String RELEASED = "released";
  public static final String EXPIRED = "expired";
}
