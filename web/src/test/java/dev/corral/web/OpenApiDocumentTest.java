package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The checker OpenApiEndToEndTest relies on finds what it must, so a passing end-to-end test means
 * something.
 */
class OpenApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOC =
      """
      {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
       "paths": {
         "/v1/things/{id}": {
           "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
           "get": {"summary": "a thing", "operationId": "getThing",
             "responses": {
               "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
               "401": {"description": "no"}, "429": {"description": "slow down"}, "default": {"description": "oops"}}}}},
       "components": {"schemas": {
         "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"type": "object", "properties": {
             "state": {"type": "string", "enum": ["on", "off"]},
             "at": {"type": "string", "format": "date-time", "nullable": true},
             "tags": {"type": "object", "additionalProperties": {"type": "string"}},
             "sizes": {"type": "array", "items": {"type": "integer", "minimum": 1}}}}]},
         "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}}
      """;

  private static OpenApiDocument doc(String json) throws Exception {
    return new OpenApiDocument(JSON.readTree(json));
  }

  private static List<String> problems(String reply) throws Exception {
    OpenApiDocument doc = doc(DOC);
    return doc.problems(doc.responseSchema("GET", "/v1/things/{id}", 200), JSON.readTree(reply));
  }

  @Test
  void aReplyThatFits_hasNoProblems() throws Exception {
    assertEquals(
        List.of(),
        problems(
            """
        {"id": "a", "state": "on", "at": null, "tags": {"k": "v"}, "sizes": [1, 2]}"""));
    assertEquals(List.of(), problems("{\"id\": \"a\", \"at\": \"2026-11-22T00:00:00Z\"}"));
  }

  @Test
  void undescribedFields_wrongTypes_badEnumsAndNulls_areEachNamed() throws Exception {
    List<String> found =
        problems(
            """
        {"state": "dimmed", "at": "yesterday", "tags": {"k": 1}, "sizes": [0, "2"], "color": "red"}""");
    String all = String.join("\n", found);
    for (String expected :
        List.of(
            "$ lacks the required field id",
            "$.state = \"dimmed\" is not one of",
            "$.at = 'yesterday' is not a date-time",
            "$.tags.k should be a string",
            "$.sizes[0] = 0 is below the minimum",
            "$.sizes[1] should be a whole number",
            "$.color is not described")) {
      assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
    }
    assertTrue(String.join("\n", problems("{\"id\": null}")).contains("$.id is null"));
  }

  @Test
  void anUndocumentedStatus_fails() throws Exception {
    AssertionError e =
        assertThrows(
            AssertionError.class, () -> doc(DOC).responseSchema("GET", "/v1/things/{id}", 404));
    assertTrue(e.getMessage().contains("404"), e.getMessage());
  }

  @Test
  void aWellFormedDocument_hasNoStructuralProblems_andBrokenOnesAreNamed() throws Exception {
    assertEquals(List.of(), doc(DOC).structuralProblems());
    String broken =
        DOC.replace("\"#/components/schemas/Base\"", "\"#/components/schemas/Missing\"")
            .replace("\"/v1/things/{id}\"", "\"/v1/things/{id}/parts/{part}\"")
            .replace("\"429\": {\"description\": \"slow down\"}, ", "");
    String all = String.join("\n", doc(broken).structuralProblems());
    for (String expected :
        List.of(
            "#/components/schemas/Missing\" does not resolve",
            "path parameters declared [id] but the path has [id, part]",
            "does not document 429")) {
      assertTrue(all.contains(expected), "missing '" + expected + "' in:\n" + all);
    }
  }

  @Test
  void operations_areListedAsMethodAndTemplate() throws Exception {
    assertEquals(Set.of("GET /v1/things/{id}"), doc(DOC).operations());
  }
}
