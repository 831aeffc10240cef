package dev.corral.activities.store;

import dev.corral.activities.store.rows.TokenRow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API tokens in the database. Callers hand over the token itself; only its SHA-256 reaches the
 * table, so this is the one place that knows how tokens are stored.
 */
public final class TokenStore {
  /**
   * How stale {@code last_used_at} may be: it is for people ("is this token still used?"), not
   * security.
   */
  static final Duration LAST_USED_GRANULARITY = Duration.ofMinutes(1);

  private final Db db;

  /**
   * When this process last wrote {@code last_used_at} per token id, so most uses cost no SQL at
   * all.
   */
  private final Map<Long, Instant> lastTouched = new ConcurrentHashMap<>();

  public TokenStore(Db db) {
    this.db = db;
  }

  /**
   * Stores a new token for {@code owner}, bound to {@code userStamp} (the owner's credential as
   * configured now); {@code expiresAt} null means it never expires.
   */
  public TokenRow issue(
      String token, String owner, String userStamp, Instant now, Instant expiresAt) {
    return db.inTransaction(
        session -> {
          TokenMapper tokens = session.getMapper(TokenMapper.class);
          TokenMapper.TokenKey key = new TokenMapper.TokenKey();
          tokens.insert(key, hash(token), owner, userStamp, now, expiresAt);
          return tokens.selectById(key.id);
        });
  }

  /** The token if it exists and is neither revoked nor expired at {@code now}. */
  public Optional<TokenRow> findActive(String token, Instant now) {
    String hash = hash(token);
    return Optional.ofNullable(
        db.inTransaction(
            session -> session.getMapper(TokenMapper.class).selectActiveByHash(hash, now)));
  }

  public Optional<TokenRow> find(long id) {
    return Optional.ofNullable(
        db.inTransaction(session -> session.getMapper(TokenMapper.class).selectById(id)));
  }

  /** The owner's tokens, revoked and expired ones included, newest first. */
  public List<TokenRow> listByOwner(String owner) {
    return db.inTransaction(session -> session.getMapper(TokenMapper.class).selectByOwner(owner));
  }

  /** Every token, newest first. */
  public List<TokenRow> listAll() {
    return db.inTransaction(session -> session.getMapper(TokenMapper.class).selectAll());
  }

  /**
   * Revokes the token; returns it as it is now (empty if there is no such token). Revoking twice
   * keeps the first time.
   */
  public Optional<TokenRow> revoke(long id, Instant now) {
    lastTouched.remove(id);
    return Optional.ofNullable(
        db.inTransaction(
            session -> {
              TokenMapper tokens = session.getMapper(TokenMapper.class);
              tokens.revoke(id, now);
              return tokens.selectById(id);
            }));
  }

  /**
   * Revokes every live token of an owner not in {@code owners} (all of them when it is empty);
   * returns how many.
   */
  public int revokeOwnersOtherThan(Set<String> owners, Instant now) {
    return db.inTransaction(
        session -> session.getMapper(TokenMapper.class).revokeOwnersOtherThan(owners, now));
  }

  /** Owners of unrevoked tokens without a user stamp (issued before stamps existed). */
  public List<String> unstampedOwners() {
    return db.inTransaction(session -> session.getMapper(TokenMapper.class).unstampedOwners());
  }

  /**
   * Binds the owner's unstamped tokens to {@code userStamp}; returns how many. Stamped tokens keep
   * theirs.
   */
  public int stampUnstamped(String owner, String userStamp) {
    return db.inTransaction(
        session -> session.getMapper(TokenMapper.class).stampUnstamped(owner, userStamp));
  }

  /**
   * Records that the token was used at {@code now}, writing at most once per {@link
   * #LAST_USED_GRANULARITY} per token: the lease path calls this on every request, and a write per
   * request would halve its rate.
   */
  public void markUsed(long id, Instant now) {
    Instant previous = lastTouched.get(id);
    if (previous != null && now.isBefore(previous.plus(LAST_USED_GRANULARITY))) {
      return;
    }
    // Only one of the threads racing past the check above writes.
    boolean won =
        previous == null
            ? lastTouched.putIfAbsent(id, now) == null
            : lastTouched.replace(id, previous, now);
    if (won) {
      db.inTransaction(session -> session.getMapper(TokenMapper.class).touch(id, now));
    }
  }

  /** Lower-case hex SHA-256, as stored in {@code auth_token.token_hash}. */
  static String hash(String token) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
