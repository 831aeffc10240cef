package dev.corral.activities.provider;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/**
 * What a template image's JSON sidecar says of it ({@code T.json} next to {@code T.qcow2}), for the
 * providers that keep templates as image files: tools/guest/build.sh writes the sidecar of a raw
 * build, the chain's finish step the one of a prepared template. Every field may be missing.
 *
 * @param source the template a prepared one was made from
 * @param partial set while finish still copies the image: a crash mid-copy must not leave a
 *     template that looks whole
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TemplateSidecar(
    String group, String version, String date, Boolean prepared, String source, Boolean partial) {
  public static final TemplateSidecar NONE =
      new TemplateSidecar(null, null, null, null, null, null);

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The sidecar in {@code json}; one that does not parse is {@link #NONE}. */
  public static TemplateSidecar parse(byte[] json) {
    try {
      return JSON.readValue(json, TemplateSidecar.class);
    } catch (IOException e) {
      // A hand-edited sidecar that does not parse must not hide the template itself.
      return NONE;
    }
  }

  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public TemplateSidecar complete() {
    return new TemplateSidecar(group, version, date, prepared, source, null);
  }

  /** {@code date} as a day; null when missing or not a date. */
  public LocalDate day() {
    if (date == null || date.isBlank()) {
      return null;
    }
    try {
      return LocalDate.parse(date.strip());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** The listing's view of template {@code name}. */
  public ProviderTemplate describe(String name) {
    return new ProviderTemplate(name, group, version, day(), Boolean.TRUE.equals(prepared));
  }
}
