package dev.corral.web.logging;

/**
 * Makes text from outside (a request's values, an exception's message) safe inside one text log
 * line: every character that could end the line or change how a terminal shows it becomes a visible
 * escape ({@code \n}, {@code \r}, {@code \t}, {@code \u0000}). Without it a lease lifetime of
 * {@code "x\n<timestamp> ERROR …"} wrote a second, forged event into the log. Backslashes stay as
 * they are, so paths and patterns in messages read as before; a client can make text look like an
 * escape, but never like a new line.
 */
final class OneLine {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private OneLine() {}

  /**
   * {@code text} with every {@linkplain #unsafe unsafe} character escaped; the same string when it
   * has none.
   */
  static String escape(String text) {
    if (text == null || !needsEscape(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!unsafe(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append("\\u")
            .append(HEX[c >> 12 & 0xf])
            .append(HEX[c >> 8 & 0xf])
            .append(HEX[c >> 4 & 0xf])
            .append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  static boolean needsEscape(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (unsafe(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Control characters (C0 with CR, LF, NUL and ESC, which starts ANSI terminal sequences; DEL; C1
   * with NEL and the one-byte CSI), the Unicode line and paragraph separators some log viewers
   * break lines at, and the bidi overrides that make a line display in another order than it reads.
   */
  private static boolean unsafe(char c) {
    return c < 0x20
        || c >= 0x7f && c <= 0x9f
        || c == '\u2028'
        || c == '\u2029'
        || c >= '\u202a' && c <= '\u202e'
        || c >= '\u2066' && c <= '\u2069';
  }
}
