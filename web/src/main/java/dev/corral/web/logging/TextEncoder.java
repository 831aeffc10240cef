package dev.corral.web.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * {@code logging.format: text}: {@code 2026-11-20T10:15:30.123+0000 INFO CorralApp - message
 * key=value ...}, the layout Corral always had (slf4j-simple's, with the short logger name) plus
 * the event's ids; a value with spaces or quotes is quoted. A stack trace follows on its own lines.
 *
 * <p>One event is one line (plus the stack trace's own lines): the message, the ids and the
 * exception messages can carry a client's text, so their line breaks and other control characters
 * are written as escapes ({@link OneLine}); otherwise a request could write a forged line of its
 * own into the log.
 */
final class TextEncoder extends EncoderBase<ILoggingEvent> {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneId.systemDefault());

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    line.append(TIME.format(event.getInstant()))
        .append(' ')
        .append(event.getLevel())
        .append(' ')
        .append(LogFields.shortName(event.getLoggerName()))
        .append(" - ")
        .append(OneLine.escape(event.getFormattedMessage()));
    LogFields.of(event)
        .forEach(
            (key, value) ->
                line.append(' ').append(OneLine.escape(key)).append('=').append(quoted(value)));
    line.append(System.lineSeparator());
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      line.append(ThrowableProxyUtil.asString(EscapedThrowable.of(error)))
          .append(System.lineSeparator());
    }
    return line.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String quoted(String value) {
    if (!value.isEmpty()
        && value.chars().noneMatch(c -> c == ' ' || c == '"' || c == '=')
        && !OneLine.needsEscape(value)) {
      return value;
    }
    // Backslashes first, so the escapes OneLine writes are not doubled.
    return '"' + OneLine.escape(value.replace("\\", "\\\\").replace("\"", "\\\"")) + '"';
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
