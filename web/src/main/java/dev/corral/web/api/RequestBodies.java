package dev.corral.web.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.javalin.http.Context;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Reads request bodies into records (with {@link Json#mapper()}'s strict rules), so that every
 * endpoint refuses a bad body in the same words, each a 400 {@code bad_request}: no body, or not a
 * JSON object; {@code unknown field 'x'} (with the allowed ones); {@code <field> must be <what it
 * takes>}, where what it takes is the record component's {@link JsonPropertyDescription}, or else
 * its type. What Jackson cannot check (ranges, formats, required fields) the records check as they
 * are built, with {@link ApiException}s that pass through here unchanged. Malformed JSON is left to
 * {@link ErrorMapping} ({@code malformed_json}), as before.
 */
public final class RequestBodies {
  private final ObjectMapper json;

  public RequestBodies(ObjectMapper json) {
    this.json = json;
  }

  /**
   * The body as {@code type}; {@code example}, a good body, is quoted when there is none or it is
   * no object.
   */
  public <T> T read(Context ctx, Class<T> type, String example) throws JsonProcessingException {
    return required(ctx, json.constructType(type), example);
  }

  /**
   * The body as {@code type}, or null when the request has none (an empty body or JSON {@code
   * null}).
   */
  public <T> T readIfAny(Context ctx, Class<T> type, String example)
      throws JsonProcessingException {
    String text = ctx.body();
    return text.isBlank() ? null : parse(text, json.constructType(type), example);
  }

  /**
   * A JSON object whose names are data, not fields (vmpooler's pool name to value), in the order
   * sent.
   */
  public Map<String, Object> readFields(Context ctx, String example)
      throws JsonProcessingException {
    return required(
        ctx,
        json.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class),
        example);
  }

  /** {@code value}, or the refusal of a bad value when it is missing or null. */
  public static <T> T required(T value, String field, String description) {
    if (value == null) {
      throw badValue(field, description);
    }
    return value;
  }

  /** The one refusal of a value that is not what its field takes. */
  public static ApiException badValue(String field, String description) {
    return ApiException.badRequest(field + " must be " + description, Map.of("field", field));
  }

  private <T> T required(Context ctx, JavaType type, String example)
      throws JsonProcessingException {
    String text = ctx.body();
    if (text.isBlank()) {
      throw ApiException.badRequest("the request has no body; send JSON like " + example, Map.of());
    }
    T body = parse(text, type, example);
    if (body == null) {
      throw notAnObject(example);
    }
    return body;
  }

  private <T> T parse(String text, JavaType type, String example) throws JsonProcessingException {
    try {
      return json.readValue(text, type);
    } catch (JsonMappingException e) {
      JsonParseException malformed = cause(e, JsonParseException.class);
      if (malformed != null) {
        throw malformed;
      }
      ApiException refusal = refusal(e, type, example);
      if (refusal == null) {
        // A record Jackson cannot build, whatever the body: a bug, not the client's fault.
        throw new IllegalStateException("cannot read a request body as " + type, e);
      }
      refuseFirst(text, type);
      throw refusal;
    }
  }

  private ApiException refusal(JsonMappingException e, JavaType type, String example) {
    ApiException own = cause(e, ApiException.class);
    if (own != null) {
      return own;
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return unknownField(unknown.getPropertyName(), unknown.getKnownPropertyIds());
    }
    if (e instanceof MismatchedInputException || e.getCause() instanceof InputCoercionException) {
      return e.getPath().isEmpty() ? notAnObject(example) : badValue(e, type);
    }
    return null;
  }

  /**
   * Jackson stops at the first problem it meets, and builds a record before it reports unknown
   * fields. The API names a malformed body first, then an unknown field (often a misspelt one,
   * which explains what seems missing), so a refused body is looked at whole once more.
   */
  private void refuseFirst(String text, JavaType type) throws JsonProcessingException {
    JsonNode body = json.readTree(text);
    List<String> known = fields(type);
    if (known == null || !body.isObject()) {
      return;
    }
    for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw unknownField(name, known);
      }
    }
  }

  /**
   * The fields a record body takes; null for a body that takes any (a map, a record that collects
   * the rest).
   */
  private List<String> fields(JavaType type) {
    if (!type.getRawClass().isRecord()) {
      return null;
    }
    BeanDescription bean = json.getDeserializationConfig().introspect(type);
    return bean.findAnySetterAccessor() != null
        ? null
        : bean.findProperties().stream().map(BeanPropertyDefinition::getName).toList();
  }

  private static ApiException notAnObject(String example) {
    return ApiException.badRequest("the body must be a JSON object like " + example, Map.of());
  }

  private static ApiException unknownField(String name, Collection<?> known) {
    String field = ApiException.clip(name);
    List<String> allowed = known.stream().map(String::valueOf).sorted().toList();
    return ApiException.badRequest(
        "unknown field '" + field + "'", Map.of("field", field, "allowed", allowed));
  }

  /**
   * Named by its path ({@code vms.debian}); described by the field's description, or by the type it
   * takes.
   */
  private ApiException badValue(JsonMappingException e, JavaType type) {
    List<JsonMappingException.Reference> path = e.getPath();
    String field =
        ApiException.clip(
            path.stream()
                .map(
                    r ->
                        r.getFieldName() != null
                            ? r.getFieldName()
                            : Integer.toString(r.getIndex()))
                .collect(Collectors.joining(".")));
    String description = path.size() == 1 ? description(type, path.get(0).getFieldName()) : null;
    return badValue(field, description != null ? description : describe(targetType(e)));
  }

  private String description(JavaType type, String field) {
    if (!type.getRawClass().isRecord()) {
      return null;
    }
    return json.getDeserializationConfig().introspect(type).findProperties().stream()
        .filter(p -> p.getName().equals(field))
        .map(p -> p.getMetadata().getDescription())
        .filter(Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  private static Class<?> targetType(JsonMappingException e) {
    if (e instanceof MismatchedInputException mismatch) {
      return mismatch.getTargetType();
    }
    return e.getCause() instanceof InputCoercionException coercion
        ? coercion.getTargetType()
        : null;
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "another kind of value";
    }
    if (List.of(int.class, long.class, Integer.class, Long.class, BigInteger.class)
        .contains(type)) {
      return "a whole number";
    }
    if (type == String.class) {
      return "text";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == Duration.class) {
      return BodyDurations.DESCRIPTION;
    }
    return Collection.class.isAssignableFrom(type) || type.isArray() ? "a list" : "an object";
  }

  private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
