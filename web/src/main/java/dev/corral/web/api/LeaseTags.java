package dev.corral.web.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Lease tags: vmpooler's key rule (letters, digits, {@code _ - .}, at most 50), but values may hold
 * any printable text up to 255 characters, so a Jenkins URL with {@code =} or {@code ,} is fine
 * (vmpooler.md §12.9 rejects those).
 */
public final class LeaseTags {
  static final int MAX_TAGS = 50;
  static final int MAX_KEY = 50;
  static final int MAX_VALUE = 255;
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.\\-]{1," + MAX_KEY + "}");

  /** What a {@code tags} field takes, for the refusal of anything but an object. */
  public static final String DESCRIPTION =
      "an object of tag name to text, like {\"project\": \"demo\"}";

  private LeaseTags() {}

  /**
   * Checks the tags of a body (null: none) and makes their values text; {@code field} names them in
   * errors.
   */
  public static Map<String, String> parse(Map<String, Object> tags, String field) {
    if (tags == null) {
      return Map.of();
    }
    if (tags.size() > MAX_TAGS) {
      throw ApiException.badRequest(
          "at most " + MAX_TAGS + " tags", Map.of("field", field, "count", tags.size()));
    }
    Map<String, String> parsed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> tag : tags.entrySet()) {
      String key = tag.getKey();
      if (!KEY.matcher(key).matches()) {
        throw ApiException.badRequest(
            "invalid tag key format: a tag name is 1-"
                + MAX_KEY
                + " letters, digits, '_', '-' or '.'",
            Map.of("field", field, "key", ApiException.clip(key)));
      }
      Object value = tag.getValue();
      if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
        throw ApiException.badRequest(
            "tag " + key + " must be text, a number or true/false",
            Map.of("field", field + "." + key));
      }
      String text = String.valueOf(value);
      if (text.length() > MAX_VALUE || text.chars().anyMatch(Character::isISOControl)) {
        throw ApiException.badRequest(
            "tag "
                + key
                + " must be at most "
                + MAX_VALUE
                + " characters without control characters",
            Map.of("field", field + "." + key));
      }
      parsed.put(key, text);
    }
    return parsed;
  }
}
