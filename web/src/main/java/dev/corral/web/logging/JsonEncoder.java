package dev.corral.web.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * {@code logging.format: json}: one JSON object per line, {@code {"time":
 * "2026-11-20T10:15:30.123Z", "level": "INFO", "logger": "dev.corral…", "message": "…", <each id>:
 * "…", "workflow_id": "…", "error": "<stack trace>"}}. Ids are fields of their own ({@code pool,
 * vm, lease, build, …}); {@code workflow_id} is the Temporal workflow the event happened in; {@code
 * error} is there when the event carries an exception.
 */
final class JsonEncoder extends EncoderBase<ILoggingEvent> {
  private static final JsonFactory JSON = new JsonFactory();
  private static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
          .withZone(java.time.ZoneOffset.UTC);
  private static final Set<String> RESERVED =
      Set.of("time", "level", "logger", "message", "workflow_id", "error");
  private static final byte[] NEWLINE =
      System.lineSeparator().getBytes(java.nio.charset.StandardCharsets.UTF_8);

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("time", TIME.format(event.getInstant()));
      json.writeStringField("level", event.getLevel().toString());
      json.writeStringField("logger", event.getLoggerName());
      json.writeStringField("message", event.getFormattedMessage());
      for (var id : LogFields.of(event).entrySet()) {
        if (!RESERVED.contains(id.getKey())) {
          json.writeStringField(id.getKey(), id.getValue());
        }
      }
      String workflowId = LogFields.workflowId(event);
      if (workflowId != null) {
        json.writeStringField("workflow_id", workflowId);
      }
      IThrowableProxy error = event.getThrowableProxy();
      if (error != null) {
        json.writeStringField("error", ThrowableProxyUtil.asString(error));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.writeBytes(NEWLINE);
    return out.toByteArray();
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
