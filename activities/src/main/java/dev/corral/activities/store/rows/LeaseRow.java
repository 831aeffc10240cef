package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code lease}; state is active, released or expired.
 *
 * @param owner the user who holds it; null for an anonymous lease (anyone may release it)
 * @param tags JSON object text, or null
 * @param requestId the checkout or on-demand request it came from, or null
 * @param origin {@link #V1}, {@link #VMPOOLER} or {@link #ONDEMAND}
 */
public record LeaseRow(
    String id,
    String state,
    String owner,
    String tags,
    String requestId,
    String origin,
    Instant createdAt,
    Instant expiresAt,
    Instant endedAt,
    String endReason) {
  public static final String ACTIVE = "active";
  public static final String RELEASED = "released";
  public static final String EXPIRED = "expired";
  public static final String V1 = "v1";
  public static final String VMPOOLER = "vmpooler";
  public static final String ONDEMAND = "ondemand";

  /** A new active lease. */
  public static LeaseRow active(
      String id,
      String owner,
      String tags,
      String requestId,
      String origin,
      Instant now,
      Instant expiresAt) {
    return new LeaseRow(id, ACTIVE, owner, tags, requestId, origin, now, expiresAt, null, null);
  }
}
