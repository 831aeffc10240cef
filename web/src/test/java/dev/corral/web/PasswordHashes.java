package dev.corral.web;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** Password hashes for test configs, as an operator would write them into {@code auth.users}. */
final class PasswordHashes {
  private PasswordHashes() {}

  /**
   * A bcrypt hash with a fresh salt, so the same password hashed twice gives two different strings.
   */
  static String bcrypt(String password) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return OpenBSDBCrypt.generate(
        "2y", password.toCharArray(), salt, 4); // PHP's prefix; cost 4 keeps tests fast
  }
}
