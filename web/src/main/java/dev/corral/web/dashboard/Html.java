package dev.corral.web.dashboard;

/**
 * A page being written: markup is appended as is, every value through {@link #text}, which escapes
 * it for both element content and quoted attribute values. Names come from the config and users
 * (lease tags, build errors), so nothing that is not a literal of this package reaches the page
 * unescaped.
 */
final class Html {
  private final StringBuilder out = new StringBuilder(16 * 1024);

  /** Literal markup written by this package, never a value. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  /** A value, escaped; null writes nothing. */
  Html text(Object value) {
    out.append(escape(value));
    return this;
  }

  static String escape(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder escaped = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> escaped.append("&amp;");
        case '<' -> escaped.append("&lt;");
        case '>' -> escaped.append("&gt;");
        case '"' -> escaped.append("&quot;");
        case '\'' -> escaped.append("&#39;");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
