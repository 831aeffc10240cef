package dev.corral.web.auth;

import dev.corral.config.UserConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Checks a password against a config user's {@code password} (plain) or {@code password_hash}
 * (bcrypt or argon2 in PHC form). Every comparison is constant-time, so the answer's timing does
 * not tell how much of a guess was right.
 */
public final class Passwords {
  private static final Pattern ARGON2 =
      Pattern.compile(
          "\\$(argon2id|argon2i|argon2d)\\$v=(\\d+)\\$m=(\\d+),t=(\\d+),p=(\\d+)\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");

  private Passwords() {}

  public static boolean matches(UserConfig user, String password) {
    if (password == null) {
      return false;
    }
    if (user.password() != null) {
      // Digest first so the comparison does not stop early on a length difference either.
      return MessageDigest.isEqual(sha256(user.password()), sha256(password));
    }
    String hash = user.passwordHash();
    if (hash == null) {
      return false;
    }
    if (hash.startsWith("$2")) {
      return bcrypt(hash, password);
    }
    if (hash.startsWith("$argon2")) {
      return argon2(hash, password);
    }
    return false; // the config validator accepts no other form
  }

  private static boolean bcrypt(String hash, String password) {
    try {
      return OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  /** {@code $argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>}, salt and hash in unpadded base64. */
  private static boolean argon2(String phc, String password) {
    Matcher m = ARGON2.matcher(phc);
    if (!m.matches()) {
      return false;
    }
    int type =
        switch (m.group(1)) {
          case "argon2i" -> Argon2Parameters.ARGON2_i;
          case "argon2d" -> Argon2Parameters.ARGON2_d;
          default -> Argon2Parameters.ARGON2_id;
        };
    try {
      byte[] salt = Base64.getDecoder().decode(padded(m.group(6)));
      byte[] expected = Base64.getDecoder().decode(padded(m.group(7)));
      Argon2Parameters parameters =
          new Argon2Parameters.Builder(type)
              .withVersion(Integer.parseInt(m.group(2)))
              .withMemoryAsKB(Integer.parseInt(m.group(3)))
              .withIterations(Integer.parseInt(m.group(4)))
              .withParallelism(Integer.parseInt(m.group(5)))
              .withSalt(salt)
              .build();
      Argon2BytesGenerator generator = new Argon2BytesGenerator();
      generator.init(parameters);
      byte[] actual = new byte[expected.length];
      generator.generateBytes(password.getBytes(StandardCharsets.UTF_8), actual);
      return MessageDigest.isEqual(expected, actual);
    } catch (IllegalArgumentException malformed) {
      return false;
    }
  }

  private static String padded(String base64) {
    return base64 + "=".repeat((4 - base64.length() % 4) % 4);
  }

  /** SHA-256 of the text's UTF-8 bytes; also what {@link UserStamp} digests. */
  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
