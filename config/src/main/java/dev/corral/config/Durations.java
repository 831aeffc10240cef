package dev.corral.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in config and on the command line: {@code 90s}, {@code 15m},
 * {@code 2h}, {@code 1d}, {@code 500ms}, or a plain number of seconds ({@code 30}, {@code 1.5}).
 *
 * <p>Decimals are allowed with any unit ({@code 1.5h}) so that {@link #format} can always
 * round-trip, even for durations that are not a whole number of milliseconds.
 */
public final class Durations {
  /** Human hint appended to parse errors, so a typo tells the user what would have worked. */
  public static final String FORMS = "e.g. 90s, 15m, 2h, 1d, 500ms, or a number of seconds";

  private static final Pattern SYNTAX =
      Pattern.compile("([+-]?)(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(ms|s|m|h|d)?");
  private static final BigDecimal NANOS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

  // Largest unit first: the first one that divides evenly gives the shortest whole-number form.
  private static final String[] UNITS = {"d", "h", "m", "s", "ms"};
  private static final long[] UNIT_NANOS = {
    86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L
  };

  private Durations() {}

  /**
   * Parses a duration string.
   *
   * @throws IllegalArgumentException with a message fit for a config problem
   */
  public static Duration parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("not a duration: null (" + FORMS + ")");
    }
    Matcher m = SYNTAX.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (" + FORMS + ")");
    }
    String unit = m.group(3) == null ? "s" : m.group(3);
    BigDecimal amount = new BigDecimal(m.group(2));
    if (m.group(1).equals("-")) {
      amount = amount.negate();
    }
    return ofNanos(amount.multiply(BigDecimal.valueOf(nanosPerUnit(unit))), text);
  }

  /**
   * Parses what a YAML parser may hand over: a number of seconds (Integer, Long, Double, ...) or a
   * string.
   *
   * @throws IllegalArgumentException if it is neither, or the string is not a duration
   */
  public static Duration parse(Object value) {
    if (value instanceof Duration d) {
      return d;
    }
    if (value instanceof Number n) {
      BigDecimal seconds;
      if (n instanceof Double || n instanceof Float) {
        double v = n.doubleValue();
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("not a duration: " + v + " (" + FORMS + ")");
        }
        seconds = BigDecimal.valueOf(v);
      } else if (n instanceof BigDecimal b) {
        seconds = b;
      } else {
        seconds = new BigDecimal(n.toString());
      }
      return ofNanos(seconds.multiply(NANOS_PER_SECOND), n.toString());
    }
    if (value instanceof CharSequence s) {
      return parse(s.toString());
    }
    throw new IllegalArgumentException("not a duration: " + value + " (" + FORMS + ")");
  }

  /**
   * The shortest form {@link #parse} accepts back: the largest unit that gives a whole number
   * ({@code 2h}, {@code 90s}, {@code 1500ms}); sub-millisecond durations fall back to decimal
   * seconds.
   */
  public static String format(Duration duration) {
    if (duration.isZero()) {
      return "0s";
    }
    BigInteger nanos =
        BigInteger.valueOf(duration.getSeconds())
            .multiply(BigInteger.valueOf(1_000_000_000L))
            .add(BigInteger.valueOf(duration.getNano()));
    for (int i = 0; i < UNITS.length; i++) {
      BigInteger[] qr = nanos.divideAndRemainder(BigInteger.valueOf(UNIT_NANOS[i]));
      if (qr[1].signum() == 0) {
        return qr[0] + UNITS[i];
      }
    }
    return new BigDecimal(nanos).divide(NANOS_PER_SECOND).stripTrailingZeros().toPlainString()
        + "s";
  }

  private static long nanosPerUnit(String unit) {
    for (int i = 0; i < UNITS.length; i++) {
      if (UNITS[i].equals(unit)) {
        return UNIT_NANOS[i];
      }
    }
    throw new IllegalStateException("unit " + unit);
  }

  private static Duration ofNanos(BigDecimal nanos, String original) {
    // Finer than a nanosecond cannot be represented; rounding is kinder than rejecting
    // "0.0000000001".
    BigInteger whole = nanos.setScale(0, RoundingMode.HALF_UP).toBigIntegerExact();
    BigInteger[] secondsAndNanos = whole.divideAndRemainder(BigInteger.valueOf(1_000_000_000L));
    if (secondsAndNanos[0].bitLength() > 63) {
      throw new IllegalArgumentException("duration too long: '" + original + "'");
    }
    return Duration.ofSeconds(
        secondsAndNanos[0].longValueExact(), secondsAndNanos[1].longValueExact());
  }
}
