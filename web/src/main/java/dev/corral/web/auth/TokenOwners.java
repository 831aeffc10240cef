package dev.corral.web.auth;

import dev.corral.activities.store.TokenStore;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the token table in line with the configured users, when Corral starts and at every config
 * reload: the tokens of users who are no longer configured are revoked, so adding a user of that
 * name back later (even with the same password) does not bring them back; and tokens issued before
 * tokens had a user stamp (V16) are bound to their owner's credential as configured now, so they
 * keep working for that user.
 *
 * <p>A failure here is logged, not fatal: every request still refuses tokens of unconfigured users
 * and tokens without a stamp. What is lost: when the sync of the reload that removed a user fails,
 * adding the user back with the very same password brings their tokens back; and tokens from before
 * stamps wait for a sync that gets through.
 */
final class TokenOwners {
  private static final Logger log = LoggerFactory.getLogger(TokenOwners.class);

  private TokenOwners() {}

  static void sync(TokenStore store, Users users, Instant now) {
    try {
      int revoked = store.revokeOwnersOtherThan(users.names(), now);
      if (revoked > 0) {
        log.info("auth: revoked {} token(s) of users no longer in auth.users", revoked);
      }
      for (String owner : store.unstampedOwners()) {
        // An owner who is not configured was revoked just above and has no stamp to adopt.
        users
            .stampOf(owner)
            .ifPresent(
                stamp -> {
                  int adopted = store.stampUnstamped(owner, stamp);
                  log.info(
                      "auth: {} token(s) of {} issued before user stamps now belong to {}'s configured password",
                      adopted,
                      owner,
                      owner);
                });
      }
    } catch (RuntimeException e) {
      log.warn(
          "auth: could not bring the tokens in line with auth.users ({}); tokens of removed users stand for "
              + "nobody anyway, and tokens from before user stamps wait for the next start or reload",
          e.toString());
    }
  }
}
