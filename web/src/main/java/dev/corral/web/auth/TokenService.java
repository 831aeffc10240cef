package dev.corral.web.auth;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.TokenStore;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.TokenRow;
import dev.corral.config.AuthConfig;
import dev.corral.config.CorralConfig;
import dev.corral.config.Durations;
import dev.corral.config.Reloadable;
import dev.corral.web.api.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Issuing, listing and revoking tokens, with who may do what: the rules live here so the native and
 * the vmpooler routes cannot drift apart. With {@code auth.mode: none} every method answers 404.
 */
public final class TokenService implements Reloadable {
  /** A token as issued: the only time its secret is shown. */
  public record IssuedToken(
      long id, String token, String owner, Instant createdAt, Instant expiresAt) {}

  /**
   * A token as listed: never the secret, which is not stored anyway. {@code active}: it works now,
   * so also not when its owner left the config or has another password since it was issued.
   */
  public record TokenView(
      long id,
      String owner,
      Instant createdAt,
      Instant expiresAt,
      Instant lastUsedAt,
      Instant revokedAt,
      boolean active) {
    static TokenView of(TokenRow row, Instant now, Users users) {
      return new TokenView(
          row.id(),
          row.owner(),
          row.createdAt(),
          row.expiresAt(),
          row.lastUsedAt(),
          row.revokedAt(),
          row.activeAt(now) && users.holds(row));
    }
  }

  private final TokenStore store;
  private final Db db;

  /**
   * The users and the tokens resolved for them: swapped together by a reload, so a cached caller
   * never outlives a change of its user's groups or admin flag.
   */
  private record Setup(AuthConfig auth, Users users, TokenCache cache) {}

  private volatile Setup setup;
  private final TokenGenerator generator = new TokenGenerator();
  private final Clock clock;

  public TokenService(TokenStore store, Db db, AuthConfig auth, Clock clock) {
    this.store = store;
    this.db = db;
    this.clock = clock;
    this.setup = setup(auth);
  }

  @Override
  public void reload(CorralConfig config) {
    this.setup = setup(config.auth());
  }

  /**
   * Also brings the token table in line with the users (start-up and every reload), see {@link
   * TokenOwners}.
   */
  private Setup setup(AuthConfig auth) {
    Users users = new Users(auth);
    if (auth.tokens()) {
      TokenOwners.sync(store, users, clock.instant());
    }
    return new Setup(auth, users, new TokenCache(store, users, clock));
  }

  public boolean authOn() {
    return setup.auth().tokens();
  }

  /** See {@link TokenCache#resolve}. */
  public Optional<Caller> callerForToken(String token) {
    return setup.cache().resolve(token);
  }

  public Optional<Caller> callerForPassword(String user, String password) {
    return setup.users().verify(user, password);
  }

  /**
   * Issues a token to a caller who sent HTTP Basic credentials (a token cannot mint more tokens, so
   * a leaked token cannot outlive its own expiry). {@code ttl} null means {@code auth.token_ttl},
   * which is also the most a caller may ask for.
   */
  public IssuedToken issue(Caller caller, Duration ttl) {
    requireAuthOn();
    if (caller.anonymous() || caller.tokenId() != null) {
      throw unauthorized("issuing a token needs HTTP Basic credentials (user name and password)");
    }
    Duration lifetime = lifetime(ttl);
    // Empty only when a reload removed the user since their password was checked.
    String stamp =
        setup
            .users()
            .stampOf(caller.user())
            .orElseThrow(() -> unauthorized("wrong user name or password"));
    Instant now = clock.instant();
    String token = generator.next();
    TokenRow row = store.issue(token, caller.user(), stamp, now, now.plus(lifetime));
    return new IssuedToken(row.id(), token, row.owner(), row.createdAt(), row.expiresAt());
  }

  /** The caller's tokens; an admin sees everyone's, or one user's with {@code owner}. */
  public List<TokenView> list(Caller caller, String owner) {
    requireIdentified(caller);
    Instant now = clock.instant();
    Users users = setup.users();
    List<TokenRow> rows;
    if (owner != null && !owner.equals(caller.user())) {
      if (!caller.admin()) {
        throw forbidden("only an admin may list another user's tokens", Map.of("owner", owner));
      }
      rows = store.listByOwner(owner);
    } else if (owner == null && caller.admin()) {
      rows = store.listAll();
    } else {
      rows = store.listByOwner(caller.user());
    }
    return rows.stream().map(r -> TokenView.of(r, now, users)).toList();
  }

  /** The caller's own tokens that still work, for vmpooler's {@code GET /token}. */
  public List<TokenRow> activeOf(Caller caller) {
    requireIdentified(caller);
    Instant now = clock.instant();
    Users users = setup.users();
    return store.listByOwner(caller.user()).stream()
        .filter(r -> r.activeAt(now) && users.holds(r))
        .toList();
  }

  /** Revokes by id: the owner or an admin may; revoking a revoked token changes nothing. */
  public TokenView revoke(Caller caller, long id) {
    requireIdentified(caller);
    TokenRow row = store.find(id).orElseThrow(() -> unknownToken(Map.of("id", id)));
    return TokenView.of(revokeAs(caller, row), clock.instant(), setup.users());
  }

  /** Revokes a token given by its secret, as vmpooler's {@code DELETE /token/<token>} does. */
  public TokenView revokeByToken(Caller caller, String token) {
    requireIdentified(caller);
    TokenRow row =
        store.findActive(token, clock.instant()).orElseThrow(() -> unknownToken(Map.of()));
    return TokenView.of(revokeAs(caller, row), clock.instant(), setup.users());
  }

  /**
   * A working token found by its secret: whoever knows it may read it (vmpooler's {@code GET
   * /token/<token>}). A token that would be refused at the door (its owner left the config or has
   * another password) is not one.
   */
  public TokenRow activeToken(String token) {
    requireAuthOn();
    Users users = setup.users();
    return store
        .findActive(token, clock.instant())
        .filter(users::holds)
        .orElseThrow(() -> unknownToken(Map.of()));
  }

  /** Host names of the VMs leased to {@code owner} now. */
  public List<String> leasedHostnames(String owner) {
    return db.inTransaction(
        session -> session.getMapper(VmMapper.class).leasedHostnamesOfOwner(owner));
  }

  private TokenRow revokeAs(Caller caller, TokenRow row) {
    if (!caller.mayManage(row.owner())) {
      // No id in the answer: by its secret (vmpooler's DELETE /token/<token>) the caller never
      // named one.
      throw forbidden("only the token's owner or an admin may revoke it", Map.of());
    }
    TokenRow revoked =
        store
            .revoke(row.id(), clock.instant())
            .orElseThrow(() -> unknownToken(Map.of("id", row.id())));
    setup.cache().forget(row.id());
    return revoked;
  }

  private Duration lifetime(Duration ttl) {
    if (ttl == null) {
      return setup.auth().tokenTtl();
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw ApiException.badRequest(
          "ttl must be positive", Map.of("field", "ttl", "value", Durations.format(ttl)));
    }
    Duration max = setup.auth().tokenTtl();
    if (ttl.compareTo(max) > 0) {
      String maximum = Durations.format(max);
      throw ApiException.badRequest(
          "ttl "
              + Durations.format(ttl)
              + " is longer than the maximum of "
              + maximum
              + " (auth.token_ttl)",
          Map.of("field", "ttl", "maximum", maximum));
    }
    return ttl;
  }

  private void requireAuthOn() {
    if (!setup.auth().tokens()) {
      throw ApiException.notFound(
          "auth_off", "auth is off (auth.mode: none): there are no users and no tokens", Map.of());
    }
  }

  private void requireIdentified(Caller caller) {
    requireAuthOn();
    if (caller.anonymous()) {
      throw unauthorized(
          "send HTTP Basic credentials or a token (X-AUTH-TOKEN or Authorization: Bearer)");
    }
  }

  static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message, Map.of());
  }

  private static ApiException forbidden(String message, Map<String, Object> detail) {
    return new ApiException(403, "forbidden", message, detail);
  }

  private static ApiException unknownToken(Map<String, Object> detail) {
    return ApiException.notFound(
        "unknown_token", "no such token (or it expired or was revoked)", detail);
  }
}
