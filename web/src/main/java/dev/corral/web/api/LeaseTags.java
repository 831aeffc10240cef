package dev.corral.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
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

  private LeaseTags() {}

  /** Parses and checks a {@code tags} object; {@code field} names it in errors. */
  public static Map<String, String> parse(JsonNode tags, String field) {
    if (tags == null || tags.isNull()) {
      return Map.of();
    }
    if (!tags.isObject()) {
      throw ApiException.badRequest(field + " must be an object of tag name to text, like {\"project\": \"demo\"}",
          Map.of("field", field));
    }
    if (tags.size() > MAX_TAGS) {
      throw ApiException.badRequest("at most " + MAX_TAGS + " tags", Map.of("field", field, "count", tags.size()));
    }
    Map<String, String> parsed = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = tags.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> tag = it.next();
      String key = tag.getKey();
      if (!KEY.matcher(key).matches()) {
        throw ApiException.badRequest("invalid tag key format: a tag name is 1-" + MAX_KEY
            + " letters, digits, '_', '-' or '.'", Map.of("field", field, "key", ApiException.clip(key)));
      }
      JsonNode value = tag.getValue();
      if (!value.isValueNode() || value.isNull()) {
        throw ApiException.badRequest("tag " + key + " must be text, a number or true/false",
            Map.of("field", field + "." + key));
      }
      String text = value.asText();
      if (text.length() > MAX_VALUE || text.chars().anyMatch(Character::isISOControl)) {
        throw ApiException.badRequest("tag " + key + " must be at most " + MAX_VALUE
            + " characters without control characters", Map.of("field", field + "." + key));
      }
      parsed.put(key, text);
    }
    return parsed;
  }
}
