package dev.corral.web.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The text format writes one line per event whatever a client put into the message, the ids or an
 * exception's message: line breaks and other control characters come out as visible escapes, and a
 * stack trace keeps the lines logback gives it.
 */
class TextEncoderTest {
  private static final String FORGED = "2026-12-07T03:00:00.000+0000 ERROR CorralApp - INJECTED";
  private static final String PREFIX =
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4} WARN ErrorMapping - ";

  // The running one: a bare LoggerContext has no MDC adapter to read the ids from.
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final TextEncoder encoder = new TextEncoder();

  TextEncoderTest() {
    encoder.setContext(context);
    encoder.start();
  }

  @Test
  void aMessageArgumentWithLineBreaks_staysOnTheEventsLine_asVisibleEscapes() {
    List<String> lines =
        encode(
            event(
                "{} {} -> 400 {}",
                null,
                "POST",
                "/v1/leases",
                "lifetime: not a duration: 'x\n" + FORGED + "'"));

    assertEquals(1, lines.size(), String.join("\n", lines));
    assertTrue(
        lines
            .get(0)
            .matches(
                PREFIX
                    + "POST /v1/leases -> 400 lifetime: not a duration: 'x\\\\n"
                    + "2026-12-07T03:00:00\\.000\\+0000 ERROR CorralApp - INJECTED'"),
        lines.get(0));
  }

  @Test
  void carriageReturnNulEscAndUnicodeLineSeparators_areEscapedToo() {
    String line =
        encodeText(event("{}", null, "a\rb\u0000c\u001b[31md\u2028e\u2029f\u0085g\u202eh\ti"));

    assertTrue(
        line.endsWith(
            " - a\\rb\\u0000c\\u001b[31md\\u2028e\\u2029f\\u0085g\\u202eh\\ti"
                + System.lineSeparator()),
        line);
    assertEquals(1, line.lines().count());
  }

  @Test
  void plainTextIsWrittenAsItWas_backslashesIncluded() {
    String line = encodeText(event("config in C:\\corral\\corral.yaml, pattern \\d+; café", null));

    assertTrue(
        line.endsWith(
            " - config in C:\\corral\\corral.yaml, pattern \\d+; café" + System.lineSeparator()),
        line);
  }

  @Test
  void anIdValueWithALineBreak_isQuotedAndEscaped() {
    LoggingEvent event = event("lease created", null);
    event.setMDCPropertyMap(
        Map.of("pool", "ci\n" + FORGED, "vm", "corral-a", "owner", "bob\u0000"));

    List<String> lines = encode(event);

    assertEquals(1, lines.size(), String.join("\n", lines));
    assertTrue(
        lines
            .get(0)
            .endsWith(
                " - lease created vm=corral-a pool=\"ci\\n"
                    + FORGED
                    + "\""
                    + " owner=\"bob\\u0000\""),
        lines.get(0));
  }

  @Test
  void aStackTraceKeepsItsLines_whileMessagesInItsHeadersAreEscaped() {
    Exception error =
        new IllegalStateException(
            "outer\n" + FORGED, new IllegalArgumentException("inner\r\n" + FORGED));
    error.addSuppressed(new RuntimeException("suppressed\n" + FORGED));

    List<String> lines =
        encode(event("{} {} -> 500 (error id {})", error, "GET", "/v1/pools", "3fa9"));

    assertTrue(
        lines
            .get(0)
            .matches(PREFIX.replace("WARN", "ERROR") + "GET /v1/pools -> 500 \\(error id 3fa9\\)"),
        lines.get(0));
    assertEquals("java.lang.IllegalStateException: outer\\n" + FORGED, lines.get(1));
    assertTrue(
        lines.contains("\tSuppressed: java.lang.RuntimeException: suppressed\\n" + FORGED),
        String.join("\n", lines));
    assertTrue(
        lines.contains("Caused by: java.lang.IllegalArgumentException: inner\\r\\n" + FORGED),
        String.join("\n", lines));
    for (String line : lines.subList(2, lines.size())) {
      assertTrue(
          line.matches("\\t+(at |\\.\\.\\. \\d+ common frames omitted|Suppressed: ).*")
              || line.startsWith("Caused by: "),
          "a line the stack trace would not have: " + line);
    }
    assertFalse(lines.stream().anyMatch(l -> l.startsWith(FORGED)), String.join("\n", lines));
  }

  @Test
  void anExceptionWithoutControlCharacters_looksExactlyAsLogbackWritesIt() {
    Exception error =
        new IllegalStateException("the database said no", new RuntimeException("timeout"));
    ThrowableProxy proxy = new ThrowableProxy(error);

    String text = encodeText(event("failed", error));

    assertTrue(
        text.endsWith(
            System.lineSeparator() + ThrowableProxyUtil.asString(proxy) + System.lineSeparator()),
        text);
  }

  private LoggingEvent event(String format, Throwable error, Object... args) {
    Level level = error == null ? Level.WARN : Level.ERROR;
    return new LoggingEvent(
        TextEncoderTest.class.getName(),
        context.getLogger("dev.corral.web.api.ErrorMapping"),
        level,
        format,
        error,
        args);
  }

  private String encodeText(LoggingEvent event) {
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  /**
   * The lines a reader of the log sees: split at every line break a terminal or log viewer honours.
   */
  private List<String> encode(LoggingEvent event) {
    return List.of(encodeText(event).split("\r\n|[\n\r\u000b\f\u0085\u2028\u2029]"));
  }
}
