package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code auth_token}, without its hash: nothing read from the table can be turned back
 * into a usable token, and nothing here needs the hash once the row is found.
 *
 * @param userStamp the stamp of the owner's configured credential when the token was issued: the
 *     token works only while the owner's stamp is still this one (null: issued before stamps, works
 *     nowhere)
 * @param expiresAt null when the token never expires
 * @param lastUsedAt null when never used; otherwise accurate to about a minute
 * @param revokedAt null while not revoked
 */
public record TokenRow(
    long id,
    String owner,
    String userStamp,
    Instant createdAt,
    Instant expiresAt,
    Instant lastUsedAt,
    Instant revokedAt) {

  /** Neither revoked nor expired at {@code now}. */
  public boolean activeAt(Instant now) {
    return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
  }
}
