package dev.corral.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAPI 3.0 document as tests read it: its operations, a structural check (every {@code $ref}
 * resolves, every path parameter is declared, every operation says what it answers), and a check of
 * a JSON reply against a response schema. The schema check covers the subset of JSON Schema the
 * document uses, and reads an object schema that lists {@code properties} as closed: a field of a
 * reply that the schema does not describe is a problem, which is how the document is kept in step
 * with what the handlers really send.
 */
final class OpenApiDocument {
  static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");

  private final JsonNode doc;

  OpenApiDocument(JsonNode doc) {
    this.doc = doc;
  }

  /** Every operation as {@code "METHOD /path/{param}"}. */
  Set<String> operations() {
    Set<String> ops = new LinkedHashSet<>();
    doc.path("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        method -> {
                          if (METHODS.contains(method)) {
                            ops.add(method.toUpperCase() + " " + path.getKey());
                          }
                        }));
    return ops;
  }

  JsonNode operation(String method, String template) {
    JsonNode op = doc.path("paths").path(template).path(method.toLowerCase());
    if (op.isMissingNode()) {
      throw new AssertionError("the document has no operation " + method + " " + template);
    }
    return op;
  }

  /**
   * The schema of the JSON reply {@code status} of an operation; the status must be documented by
   * number.
   */
  JsonNode responseSchema(String method, String template, int status) {
    JsonNode response = operation(method, template).path("responses").path(String.valueOf(status));
    if (response.isMissingNode()) {
      throw new AssertionError(
          method + " " + template + " answered " + status + ", which its documentation lacks");
    }
    JsonNode schema = resolve(response).path("content").path("application/json").path("schema");
    if (schema.isMissingNode()) {
      throw new AssertionError(
          method + " " + template + " " + status + " has no application/json schema");
    }
    return schema;
  }

  /** What is structurally wrong with the document; empty when nothing is. */
  List<String> structuralProblems() {
    List<String> problems = new ArrayList<>();
    if (!doc.path("openapi").asText().startsWith("3.0.")) {
      problems.add("openapi is not 3.0.x: " + doc.path("openapi"));
    }
    if (!doc.path("info").path("title").isTextual()
        || !doc.path("info").path("version").isTextual()) {
      problems.add("info needs a title and a version");
    }
    checkRefs(doc, "#", problems);
    Set<String> schemes = new LinkedHashSet<>();
    doc.path("components").path("securitySchemes").fieldNames().forEachRemaining(schemes::add);
    Set<String> tags = new LinkedHashSet<>();
    doc.path("tags").forEach(t -> tags.add(t.path("name").asText()));
    Set<String> operationIds = new LinkedHashSet<>();
    checkSecurity(doc.path("security"), "the document", schemes, problems);
    doc.path("paths")
        .properties()
        .forEach(
            pathEntry -> {
              String template = pathEntry.getKey();
              JsonNode item = pathEntry.getValue();
              Set<String> inTemplate = new LinkedHashSet<>();
              Matcher m = PARAM.matcher(template);
              while (m.find()) {
                inTemplate.add(m.group(1));
              }
              item.properties()
                  .forEach(
                      opEntry -> {
                        String method = opEntry.getKey();
                        if (method.equals("parameters")
                            || method.equals("summary")
                            || method.equals("description")) {
                          return;
                        }
                        String where = method.toUpperCase() + " " + template;
                        if (!METHODS.contains(method)) {
                          problems.add(where + ": not an HTTP method");
                          return;
                        }
                        JsonNode op = opEntry.getValue();
                        if (!op.path("summary").isTextual()
                            || op.path("summary").asText().isBlank()) {
                          problems.add(where + ": no summary");
                        }
                        String id = op.path("operationId").asText();
                        if (id.isBlank() || !operationIds.add(id)) {
                          problems.add(where + ": missing or repeated operationId '" + id + "'");
                        }
                        op.path("tags")
                            .forEach(
                                t -> {
                                  if (!tags.contains(t.asText())) {
                                    problems.add(
                                        where + ": tag '" + t.asText() + "' is not declared");
                                  }
                                });
                        checkSecurity(op.path("security"), where, schemes, problems);
                        Set<String> declared = new LinkedHashSet<>();
                        for (JsonNode parameters :
                            List.of(item.path("parameters"), op.path("parameters"))) {
                          for (JsonNode p : parameters) {
                            JsonNode param = resolve(p);
                            if (!param.path("name").isTextual()
                                || !param.path("in").isTextual()
                                || !param.has("schema")) {
                              problems.add(
                                  where + ": a parameter without name, in or schema: " + param);
                            } else if (param.path("in").asText().equals("path")) {
                              declared.add(param.path("name").asText());
                              if (!param.path("required").asBoolean()) {
                                problems.add(
                                    where
                                        + ": path parameter "
                                        + param.path("name").asText()
                                        + " is not required: true");
                              }
                            }
                          }
                        }
                        if (!declared.equals(inTemplate)) {
                          problems.add(
                              where
                                  + ": path parameters declared "
                                  + declared
                                  + " but the path has "
                                  + inTemplate);
                        }
                        JsonNode responses = op.path("responses");
                        if (responses.isEmpty()) {
                          problems.add(where + ": no responses");
                        }
                        responses
                            .properties()
                            .forEach(
                                r -> {
                                  if (!r.getKey().equals("default")
                                      && !r.getKey().matches("[1-5][0-9][0-9]")) {
                                    problems.add(
                                        where
                                            + ": response key '"
                                            + r.getKey()
                                            + "' is neither default nor a status");
                                  }
                                  JsonNode response = resolve(r.getValue());
                                  if (!response.path("description").isTextual()) {
                                    problems.add(where + " " + r.getKey() + ": no description");
                                  }
                                  response
                                      .path("content")
                                      .properties()
                                      .forEach(
                                          c -> {
                                            if (!c.getValue().has("schema")) {
                                              problems.add(
                                                  where
                                                      + " "
                                                      + r.getKey()
                                                      + " "
                                                      + c.getKey()
                                                      + ": no schema");
                                            }
                                          });
                                });
                        // The house rules: anything may meet bad credentials, a rate limit or an
                        // internal error, and a body
                        // may be too large.
                        for (String status : List.of("401", "429", "default")) {
                          if (!responses.has(status)) {
                            problems.add(where + ": does not document " + status);
                          }
                        }
                        if (op.has("requestBody")) {
                          if (!responses.has("413")) {
                            problems.add(where + ": takes a body but does not document 413");
                          }
                          if (!resolve(op.path("requestBody"))
                              .path("content")
                              .has("application/json")) {
                            problems.add(where + ": the request body is not application/json");
                          }
                        }
                      });
            });
    return problems;
  }

  private void checkSecurity(
      JsonNode requirements, String where, Set<String> schemes, List<String> problems) {
    for (JsonNode requirement : requirements) {
      requirement
          .fieldNames()
          .forEachRemaining(
              name -> {
                if (!schemes.contains(name)) {
                  problems.add(where + ": security scheme '" + name + "' is not declared");
                }
              });
    }
  }

  private void checkRefs(JsonNode node, String where, List<String> problems) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null) {
        if (!ref.isTextual() || lookUp(ref.asText()) == null) {
          problems.add(where + ": $ref " + ref + " does not resolve");
        }
      }
      node.properties().forEach(e -> checkRefs(e.getValue(), where + "/" + e.getKey(), problems));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkRefs(node.get(i), where + "/" + i, problems);
      }
    }
  }

  private JsonNode lookUp(String ref) {
    if (!ref.startsWith("#/")) {
      return null;
    }
    JsonNode at = doc;
    for (String part : ref.substring(2).split("/")) {
      at = at.get(part.replace("~1", "/").replace("~0", "~"));
      if (at == null) {
        return null;
      }
    }
    return at;
  }

  /** The node a {@code $ref} points at (followed as far as it goes), or the node itself. */
  JsonNode resolve(JsonNode node) {
    JsonNode at = node;
    for (int i = 0; at.has("$ref") && i < 20; i++) {
      at = lookUp(at.get("$ref").asText());
      if (at == null) {
        throw new AssertionError("unresolved " + node.get("$ref"));
      }
    }
    return at;
  }

  // ---- replies against schemas

  /**
   * What in {@code value} does not fit {@code schema}, each naming where ({@code $.vms[0].ip});
   * empty when it fits.
   */
  List<String> problems(JsonNode schema, JsonNode value) {
    List<String> problems = new ArrayList<>();
    check(schema, value, "$", problems);
    return problems;
  }

  private void check(JsonNode schemaOrRef, JsonNode value, String where, List<String> problems) {
    JsonNode schema = flatten(resolve(schemaOrRef));
    if (value == null || value.isNull()) {
      if (!schema.path("nullable").asBoolean()) {
        problems.add(where + " is null, which the schema does not allow");
      }
      return;
    }
    if (schema.has("oneOf")) {
      List<String> why = new ArrayList<>();
      for (JsonNode alternative : schema.get("oneOf")) {
        List<String> own = new ArrayList<>();
        check(alternative, value, where, own);
        if (own.isEmpty()) {
          return;
        }
        why.addAll(own);
      }
      problems.add(where + " fits none of oneOf: " + why);
      return;
    }
    if (schema.has("enum")) {
      boolean listed = false;
      for (JsonNode allowed : schema.get("enum")) {
        listed |=
            allowed.equals(value)
                || (allowed.isTextual()
                    && value.isTextual()
                    && allowed.asText().equals(value.asText()));
      }
      if (!listed) {
        problems.add(where + " = " + value + " is not one of " + schema.get("enum"));
      }
    }
    String type = schema.path("type").asText("");
    switch (type) {
      case "object" -> checkObject(schema, value, where, problems);
      case "array" -> {
        if (!value.isArray()) {
          problems.add(where + " should be an array: " + clip(value));
          return;
        }
        for (int i = 0; i < value.size(); i++) {
          check(schema.path("items"), value.get(i), where + "[" + i + "]", problems);
        }
      }
      case "string" -> checkString(schema, value, where, problems);
      case "integer" -> {
        if (!value.isIntegralNumber()) {
          problems.add(where + " should be a whole number: " + clip(value));
        } else {
          checkRange(schema, value, where, problems);
        }
      }
      case "number" -> {
        if (!value.isNumber()) {
          problems.add(where + " should be a number: " + clip(value));
        } else {
          checkRange(schema, value, where, problems);
        }
      }
      case "boolean" -> {
        if (!value.isBoolean()) {
          problems.add(where + " should be true or false: " + clip(value));
        }
      }
      case "" -> {}
      default -> problems.add(where + ": the schema has an unknown type '" + type + "'");
    }
  }

  private void checkObject(JsonNode schema, JsonNode value, String where, List<String> problems) {
    if (!value.isObject()) {
      problems.add(where + " should be an object: " + clip(value));
      return;
    }
    JsonNode properties = schema.path("properties");
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        problems.add(where + " lacks the required field " + required.asText());
      }
    }
    JsonNode additional = schema.get("additionalProperties");
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      String at = where + "." + field.getKey();
      if (properties.has(field.getKey())) {
        check(properties.get(field.getKey()), field.getValue(), at, problems);
      } else if (additional != null && additional.isObject()) {
        check(additional, field.getValue(), at, problems);
      } else if (additional != null && additional.asBoolean()) {
        continue;
      } else if (!properties.isEmpty() || additional != null) {
        problems.add(at + " is not described by the schema");
      }
    }
  }

  private static void checkString(
      JsonNode schema, JsonNode value, String where, List<String> problems) {
    if (!value.isTextual()) {
      problems.add(where + " should be a string: " + clip(value));
      return;
    }
    String text = value.asText();
    try {
      switch (schema.path("format").asText("")) {
        case "date-time" -> OffsetDateTime.parse(text);
        case "date" -> LocalDate.parse(text);
        default -> {}
      }
    } catch (DateTimeParseException e) {
      problems.add(where + " = '" + text + "' is not a " + schema.path("format").asText());
    }
    if (schema.has("pattern")
        && !Pattern.compile(schema.get("pattern").asText()).matcher(text).find()) {
      problems.add(where + " = '" + text + "' does not match " + schema.get("pattern").asText());
    }
    if (schema.has("maxLength") && text.length() > schema.get("maxLength").asInt()) {
      problems.add(where + " is longer than " + schema.get("maxLength").asInt());
    }
    if (schema.has("minLength") && text.length() < schema.get("minLength").asInt()) {
      problems.add(where + " is shorter than " + schema.get("minLength").asInt());
    }
  }

  private static void checkRange(
      JsonNode schema, JsonNode value, String where, List<String> problems) {
    if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
      problems.add(where + " = " + value + " is below the minimum " + schema.get("minimum"));
    }
    if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
      problems.add(where + " = " + value + " is above the maximum " + schema.get("maximum"));
    }
  }

  /**
   * A schema with its {@code allOf} members merged in: their properties, required fields and type,
   * so an object made of parts is checked (and closed) as one.
   */
  private JsonNode flatten(JsonNode schema) {
    if (!schema.has("allOf")) {
      return schema;
    }
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    ObjectNode properties = merged.putObject("properties");
    ArrayNode required = merged.putArray("required");
    for (JsonNode part : schema.get("allOf")) {
      JsonNode flat = flatten(resolve(part));
      flat.properties()
          .forEach(
              e -> {
                switch (e.getKey()) {
                  case "properties" -> properties.setAll((ObjectNode) e.getValue());
                  case "required" -> required.addAll((ArrayNode) e.getValue());
                  default -> merged.set(e.getKey(), e.getValue());
                }
              });
    }
    schema
        .properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("allOf")) {
                merged.set(e.getKey(), e.getValue());
              }
            });
    if (properties.isEmpty()) {
      merged.remove("properties");
    }
    return merged;
  }

  private static String clip(JsonNode value) {
    String s = value.toString();
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
