package dev.corral.web.auth;

import java.security.SecureRandom;

/**
 * New tokens in vmpooler's format, 32 characters {@code [a-y][a-z0-9]{31}}, so clients that check
 * the shape (or store tokens in fixed-width fields) take ours. That is about 164 bits of
 * randomness.
 */
public final class TokenGenerator {
  private static final String FIRST = "abcdefghijklmnopqrstuvwxy";
  private static final String REST = "abcdefghijklmnopqrstuvwxyz0123456789";
  static final int LENGTH = 32;

  private final SecureRandom random = new SecureRandom();

  public String next() {
    StringBuilder token = new StringBuilder(LENGTH);
    token.append(FIRST.charAt(random.nextInt(FIRST.length())));
    for (int i = 1; i < LENGTH; i++) {
      token.append(REST.charAt(random.nextInt(REST.length())));
    }
    return token.toString();
  }
}
