package dev.corral.web.auth;

import dev.corral.activities.store.TokenStore;
import dev.corral.activities.store.rows.TokenRow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tokens validated recently, so a client leasing with its token in a loop costs one database read
 * every {@link #HOLD}, not one per request. A token revoked through this process stops working at
 * once ({@link #forget}); one revoked by another Corral process on the same database works here for
 * at most {@link #HOLD} more. Expiry is checked on every use, from the cached expiry time.
 */
public final class TokenCache {
  static final Duration HOLD = Duration.ofSeconds(5);

  /** Past this many entries the cache starts over instead of growing: it only saves reads. */
  private static final int MAX_ENTRIES = 10_000;

  private record Entry(Caller caller, Instant tokenExpiresAt, Instant holdUntil) {}

  private final TokenStore store;
  private final Users users;
  private final Clock clock;
  private final Map<String, Entry> byToken = new ConcurrentHashMap<>();

  /**
   * Bumped by every {@link #forget}, so a lookup that raced a revocation does not cache its stale
   * answer.
   */
  private final AtomicLong revocations = new AtomicLong();

  public TokenCache(TokenStore store, Users users, Clock clock) {
    this.store = store;
    this.users = users;
    this.clock = clock;
  }

  /**
   * The caller this token stands for, or empty when it is unknown, expired, revoked, or its owner
   * left the config or has another credential now ({@link Users#tokenHolder}).
   */
  public Optional<Caller> resolve(String token) {
    Instant now = clock.instant();
    Entry entry = byToken.get(token);
    if (entry == null || !now.isBefore(entry.holdUntil())) {
      entry = load(token, now);
      if (entry == null) {
        byToken.remove(token);
        return Optional.empty();
      }
    } else if (entry.tokenExpiresAt() != null && !now.isBefore(entry.tokenExpiresAt())) {
      byToken.remove(token);
      return Optional.empty();
    }
    store.markUsed(entry.caller().tokenId(), now);
    return Optional.of(entry.caller());
  }

  /** Drops the cached token with this id, so it is checked against the database on its next use. */
  public void forget(long tokenId) {
    revocations.incrementAndGet();
    byToken.values().removeIf(e -> e.caller().tokenId() == tokenId);
  }

  private Entry load(String token, Instant now) {
    long revocationsBefore = revocations.get();
    Optional<TokenRow> row = store.findActive(token, now);
    Optional<Caller> caller = row.flatMap(users::tokenHolder);
    if (caller.isEmpty()) {
      return null;
    }
    Entry entry = new Entry(caller.get(), row.get().expiresAt(), now.plus(HOLD));
    if (byToken.size() >= MAX_ENTRIES) {
      byToken.clear();
    }
    byToken.put(token, entry);
    if (revocations.get() != revocationsBefore) {
      byToken.remove(
          token); // a revocation ran meanwhile: maybe this one, so do not keep the answer
    }
    return entry;
  }
}
