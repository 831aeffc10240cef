package dev.corral.config;

import java.util.Map;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in scalar values, from an env map handed in by the
 * caller (so tests never depend on the real environment). As in the shell, {@code :-} also applies when the
 * variable is set but empty, and defaults may nest: {@code ${A:-${B:-x}}}. {@code $${} writes a literal
 * {@code ${}; any other {@code $} is literal, so passwords like {@code pa$$word} survive untouched.
 *
 * <p>Hand-written because the libraries do not keep these rules. Commons Text's {@code StringSubstitutor}
 * (tried: 1.12.0 and 1.15.0) gives a set but empty variable instead of its {@code :-} default; it nests
 * defaults only with substitution in variable names on, which then expands unused defaults too
 * ({@code ${A:-${UNSET}}} fails with A set); it leaves an unterminated <code>${HOST</code> as it is; and it
 * stops at the first unset variable, with its own message. SnakeYAML's {@code EnvScalarConstructor} only
 * replaces whole scalars.
 */
final class EnvSubstitution {
  private final Map<String, String> env;

  EnvSubstitution(Map<String, String> env) {
    this.env = env == null ? Map.of() : env;
  }

  /** Returns the expanded text, or null after recording why it could not be expanded. */
  String expand(String text, String path, int line, Problems problems) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    Scan scan = new Scan(text, path, line, problems);
    try {
      String out = scan.until(false, true);
      return scan.failed ? null : out;
    } catch (BadSyntax e) {
      problems.add(path, line, e.getMessage());
      return null;
    }
  }

  private static final class BadSyntax extends RuntimeException {
    BadSyntax(String message) {
      super(message, null, false, false);
    }
  }

  private final class Scan {
    private final String text;
    private final String path;
    private final int line;
    private final Problems problems;
    private int pos;
    private boolean failed;

    Scan(String text, String path, int line, Problems problems) {
      this.text = text;
      this.path = path;
      this.line = line;
      this.problems = problems;
    }

    /**
     * Copies text, expanding references, up to the end or (inside a default) up to the closing
     * brace. {@code evaluate} is false inside a default that is not used: like the shell, an unset
     * variable there is not an error.
     */
    String until(boolean insideDefault, boolean evaluate) {
      StringBuilder out = new StringBuilder();
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (insideDefault && c == '}') {
          pos++;
          return out.toString();
        }
        if (text.startsWith("$${", pos)) {
          out.append("${");
          pos += 3;
        } else if (text.startsWith("${", pos)) {
          out.append(reference(evaluate));
        } else {
          out.append(c);
          pos++;
        }
      }
      if (insideDefault) {
        throw new BadSyntax("unterminated ${...} in '" + text + "' (missing '}')");
      }
      return out.toString();
    }

    private String reference(boolean evaluate) {
      pos += 2;
      int start = pos;
      while (pos < text.length() && isNameChar(text.charAt(pos), pos == start)) {
        pos++;
      }
      String name = text.substring(start, pos);
      if (name.isEmpty()) {
        throw new BadSyntax("expected a variable name after '${' in '" + text + "'");
      }
      String value = env.get(name);
      if (text.startsWith("}", pos)) {
        pos++;
        if (value == null) {
          if (evaluate) {
            failed = true;
            problems.add(
                path,
                line,
                "environment variable "
                    + name
                    + " is not set"
                    + " (write ${"
                    + name
                    + ":-default} to give a default)");
          }
          return "";
        }
        return value;
      }
      if (text.startsWith(":-", pos)) {
        pos += 2;
        boolean useDefault = value == null || value.isEmpty();
        String fallback = until(true, evaluate && useDefault);
        return useDefault ? fallback : value;
      }
      throw new BadSyntax(
          pos >= text.length()
              ? "unterminated ${" + name + " in '" + text + "' (missing '}')"
              : "unexpected '"
                  + text.charAt(pos)
                  + "' in ${"
                  + name
                  + "...}; write ${"
                  + name
                  + "} or ${"
                  + name
                  + ":-default}");
    }

    private boolean isNameChar(char c, boolean first) {
      return c == '_'
          || (c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (!first && c >= '0' && c <= '9');
    }
  }
}
