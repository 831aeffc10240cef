package dev.corral.workflows;

import java.util.UUID;

/**
 * VM names double as hostnames and as provider-side identifiers, so they are short, DNS-safe and
 * carry a prefix that marks them as Corral's (the reconciler only ever touches names in that
 * scope).
 */
public final class VmNames {
  public static final String PREFIX = "corral-";
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  private static final int RANDOM_CHARS = 10;

  /**
   * Derives a name from a UUID; workflows pass {@code Workflow.randomUUID()} so replay yields the
   * same name.
   */
  public static String fromUuid(UUID uuid) {
    long bits = uuid.getMostSignificantBits() ^ uuid.getLeastSignificantBits();
    StringBuilder name = new StringBuilder(PREFIX);
    for (int i = 0; i < RANDOM_CHARS; i++) {
      name.append(ALPHABET[(int) (bits & 31)]);
      bits >>>= 5;
    }
    return name.toString();
  }

  public static boolean isCorralName(String name) {
    return name.startsWith(PREFIX);
  }

  private VmNames() {}
}
