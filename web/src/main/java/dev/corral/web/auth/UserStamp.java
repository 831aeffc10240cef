package dev.corral.web.auth;

import dev.corral.config.UserConfig;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A digest of a user's credential as configured, kept with each token they get. A token works only
 * while its stamp equals its user's stamp now, so a token dies when its user's password changes,
 * and does not come back when a user of the same name is added with another password: users live in
 * the config, and nothing else tells one "dave" from the next.
 *
 * <p>The stamp is stored in the database, so it must not give away the password. A {@code
 * password_hash} is salted already: its SHA-256 says nothing a guess could be checked against
 * without the hash itself. A plain {@code password} (development only) is not, so it goes through
 * PBKDF2 with the user name as salt: a copy of the token table then costs an attacker as much per
 * guess as it should.
 */
final class UserStamp {
  private static final int PBKDF2_ITERATIONS = 100_000;

  private UserStamp() {}

  /** 64 hex digits; null for a user with no credential at all, whose tokens can then never work. */
  static String of(UserConfig user) {
    if (user.passwordHash() != null) {
      return sha256Hex("corral-user-stamp/hash\n" + user.name() + "\n" + user.passwordHash());
    }
    if (user.password() != null) {
      return pbkdf2Hex(user.password(), "corral-user-stamp/plain\n" + user.name());
    }
    return null;
  }

  /** Compares in constant time, and says no to a missing stamp on either side. */
  static boolean same(String a, String b) {
    return a != null
        && b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }

  private static String sha256Hex(String text) {
    return HexFormat.of().formatHex(Passwords.sha256(text));
  }

  private static String pbkdf2Hex(String password, String salt) {
    PBEKeySpec spec =
        new PBEKeySpec(
            password.toCharArray(), salt.getBytes(StandardCharsets.UTF_8), PBKDF2_ITERATIONS, 256);
    try {
      return HexFormat.of()
          .formatHex(
              SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                  .generateSecret(spec)
                  .getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has PBKDF2WithHmacSHA256", e);
    } finally {
      spec.clearPassword();
    }
  }
}
