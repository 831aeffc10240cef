package dev.corral.activities.store;

import dev.corral.activities.store.rows.TokenRow;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code auth_token}, in TokenMapper.xml. */
public interface TokenMapper {
  /** Inserts a token and returns its generated id through {@code key.id}. */
  int insert(
      @Param("key") TokenKey key,
      @Param("tokenHash") String tokenHash,
      @Param("owner") String owner,
      @Param("userStamp") String userStamp,
      @Param("createdAt") Instant createdAt,
      @Param("expiresAt") Instant expiresAt);

  /** The token with this hash if it is neither revoked nor expired at {@code now}. */
  TokenRow selectActiveByHash(@Param("tokenHash") String tokenHash, @Param("now") Instant now);

  TokenRow selectById(@Param("id") long id);

  /** Newest first. */
  List<TokenRow> selectByOwner(@Param("owner") String owner);

  /** Newest first. */
  List<TokenRow> selectAll();

  /** Revokes a token that is not revoked yet; 0 when it already was (revoking is idempotent). */
  int revoke(@Param("id") long id, @Param("now") Instant now);

  /** Revokes every live token whose owner is not in {@code owners}; returns how many. */
  int revokeOwnersOtherThan(@Param("owners") Collection<String> owners, @Param("now") Instant now);

  /** Owners of unrevoked tokens issued before tokens had a user stamp. */
  List<String> unstampedOwners();

  /** Gives the owner's unstamped tokens this stamp; returns how many. */
  int stampUnstamped(@Param("owner") String owner, @Param("userStamp") String userStamp);

  /**
   * Records a use unless one was recorded less than a minute before {@code now} (by any process).
   */
  int touch(@Param("id") long id, @Param("now") Instant now);

  /** Receives the id MyBatis generates on insert. */
  final class TokenKey {
    public Long id;
  }
}
