package dev.corral.web.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import dev.corral.config.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * A duration in a request body as the config writes them ({@code "2h"}, {@code "90s"}) or a number
 * of seconds, never negative. A bad one is refused with what was wrong with it ({@code lifetime:
 * not a duration: 'forever' (e.g. ...)}), which says more than the type alone; {@link
 * RequestBodies} passes the refusal on.
 */
final class BodyDurations extends StdScalarDeserializer<Duration> {
  /** What a duration field takes, for refusals that name the field's type. */
  static final String DESCRIPTION = "a duration, " + Durations.FORMS;

  BodyDurations() {
    super(Duration.class);
  }

  @Override
  public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    Object written =
        switch (p.currentToken()) {
          case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
          case VALUE_STRING, VALUE_TRUE, VALUE_FALSE -> p.getText();
          default -> ctxt.handleUnexpectedToken(Duration.class, p);
        };
    String field = p.currentName() == null ? "value" : p.currentName();
    Duration duration;
    try {
      duration = Durations.parse(written);
    } catch (IllegalArgumentException e) {
      throw refused(field, e.getMessage(), written);
    }
    if (duration.isNegative()) {
      throw refused(field, "must not be negative", written);
    }
    return duration;
  }

  private static ApiException refused(String field, String problem, Object written) {
    return ApiException.badRequest(
        field + ": " + problem,
        Map.of("field", field, "value", ApiException.clip(String.valueOf(written))));
  }
}
