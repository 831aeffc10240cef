package dev.corral.activities.templates;

import dev.corral.activities.store.rows.TemplateRow;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * Orders template builds from oldest to newest: by version, compared part by part as numbers where
 * the parts are numbers ({@code 1.10 > 1.9}, {@code 5.11.0.3 > 5.11.0.2}, {@code 12.8 < 12.8.1}),
 * then by build date, so nightlies without a version are ordered by date alone. A build without a
 * version sorts below any versioned one of the same group.
 */
public final class TemplateVersions {
  private static final Pattern SEPARATORS = Pattern.compile("[.\\-_+~]");

  /** Oldest first; the newest template is the maximum. */
  public static final Comparator<TemplateRow> OLDEST_FIRST =
      Comparator.comparing(TemplateRow::version, Comparator.nullsFirst(TemplateVersions::compare))
          .thenComparing(
              TemplateRow::buildDate, Comparator.nullsFirst(Comparator.<LocalDate>naturalOrder()))
          .thenComparingLong(TemplateRow::id);

  private TemplateVersions() {}

  public static int compare(String a, String b) {
    String[] left = SEPARATORS.split(a.trim());
    String[] right = SEPARATORS.split(b.trim());
    for (int i = 0; i < Math.max(left.length, right.length); i++) {
      if (i >= left.length) {
        return -1;
      }
      if (i >= right.length) {
        return 1;
      }
      int c = comparePart(left[i], right[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /**
   * Numbers compare as numbers and rank above words ({@code 12.0 > 12.rc1}); words compare as text.
   */
  private static int comparePart(String a, String b) {
    boolean aNumber = isNumber(a);
    boolean bNumber = isNumber(b);
    if (aNumber && bNumber) {
      String x = stripZeros(a);
      String y = stripZeros(b);
      return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
    }
    if (aNumber != bNumber) {
      return aNumber ? 1 : -1;
    }
    return a.compareTo(b);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
  }

  private static String stripZeros(String digits) {
    int i = 0;
    while (i < digits.length() - 1 && digits.charAt(i) == '0') {
      i++;
    }
    return digits.substring(i);
  }

  /**
   * Whether {@code version} is selected by a pool's {@code version:} value: equal to it, or under
   * it ({@code 12.8.1} is under {@code 12.8}; {@code 12.80} is not).
   */
  public static boolean matches(String selector, String version) {
    return version != null && (version.equals(selector) || version.startsWith(selector + "."));
  }
}
