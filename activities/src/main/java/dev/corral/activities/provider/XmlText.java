package dev.corral.activities.provider;

/**
 * Text and attribute values in the XML providers send their hypervisors (libvirt definitions, vim25
 * requests): every value a config or a caller gave is escaped, so none can change the document
 * around it.
 */
public final class XmlText {
  private XmlText() {}

  public static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '\'' -> out.append("&apos;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
