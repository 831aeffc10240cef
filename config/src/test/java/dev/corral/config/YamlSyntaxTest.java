package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlSyntaxTest {

  @Test
  void syntaxErrorIsAConfigExceptionWithALine() {
    ConfigException e =
        failure(
            """
        server:
          host: 127.0.0.1
          port: [7070
        pools: []
        """);

    assertEquals(1, e.problems().size());
    ConfigProblem p = e.problems().get(0);
    assertTrue(p.line() >= 3, p.toString());
    assertTrue(p.message().startsWith("YAML syntax error:"), p.message());
    assertTrue(
        e.getMessage()
            .startsWith("test.yaml: 1 problem\n  line " + p.line() + ": YAML syntax error"),
        e.getMessage());
  }

  @Test
  void badIndentationReportsItsLine() {
    ConfigException e =
        failure(
            """
        server:
          host: 127.0.0.1
         port: 7070
        """);

    assertEquals(3, e.problems().get(0).line(), e.getMessage());
  }

  @Test
  void tabIndentationReportsItsLine() {
    ConfigException e = failure("server:\n\thost: x\n");

    assertEquals(2, e.problems().get(0).line(), e.getMessage());
  }

  @Test
  void moreThanOneDocumentIsAProblem() {
    ConfigException e = failure("server: {port: 1}\n---\nserver: {port: 2}\n");

    assertEquals(
        new ConfigProblem(
            "",
            2,
            "YAML syntax error: expected a single document in the stream (line 1): found another document"),
        e.problems().get(0));
  }

  @Test
  void emptyOrCommentOnlyDocumentMeansAllDefaults() {
    CorralConfig defaults = ConfigLoader.embeddedDefault(Map.of());

    assertEquals(defaults, load(""));
    assertEquals(defaults, load("# nothing here yet\n"));
    assertEquals(defaults, load("---\n"));
  }

  @Test
  void javaTypeTagsAreRejected() {
    ConfigException e = failure("server: !!javax.script.ScriptEngineManager [x]\n");

    assertEquals(1, e.problems().get(0).line(), e.getMessage());
    assertTrue(e.problems().get(0).message().contains("tag"), e.getMessage());
  }

  @Test
  void standardTagsAreReadByTheirText() {
    assertEquals(8080, load("server: {port: !!str 8080}").server().port());
  }
}
