package dev.corral.web.vmpooler;

/**
 * Values as vmpooler's bodies carry them (read as plain JSON values by {@code RequestBodies}): a
 * count or a number of hours may be a JSON number or a string of one ({@code "2"}), as vmpooler's
 * clients send both.
 */
final class VmpoolerValues {
  private VmpoolerValues() {}

  /**
   * A whole number written as a JSON integer or as a string of one (blanks around it allowed); else
   * null.
   */
  static Integer wholeNumber(Object value) {
    if (value instanceof Integer n) {
      return n;
    }
    if (value instanceof String text) {
      try {
        return Integer.parseInt(text.strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null; // a fraction, true, an object, or a number beyond an int (Jackson reads those as
    // Long)
  }

  /** A name (of a template, a provider) written as a non-blank JSON string; else null. */
  static String name(Object value) {
    return value instanceof String text && !text.isBlank() ? text : null;
  }
}
