package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvSubstitutionTest {

  @Test
  void setVariableIsSubstituted() {
    CorralConfig c =
        load(
            """
        data_dir: ${HOME_DIR}/corral
        server: {host: "${HOST}", port: "${PORT}"}
        """,
            Map.of("HOME_DIR", "/srv", "HOST", "127.0.0.2", "PORT", "8080"));

    assertEquals(Path.of("/srv/corral"), c.dataDir());
    assertEquals(
        new ServerConfig(
            "127.0.0.2", 8080, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF),
        c.server());
  }

  @Test
  void setVariableWinsOverItsDefault() {
    CorralConfig c = load("server: {port: \"${PORT:-7071}\"}", Map.of("PORT", "9000"));

    assertEquals(9000, c.server().port());
  }

  @Test
  void unsetOrEmptyVariableWithDefaultUsesTheDefault() {
    String yaml =
        """
        server:
          host: ${HOST:-localhost}
          port: ${PORT:-7071}
        """;

    ServerConfig expected =
        new ServerConfig(
            "localhost", 7071, ServerConfig.DEFAULT_MAX_BODY_BYTES, ServerConfig.RateLimits.OFF);
    assertEquals(expected, load(yaml, Map.of()).server());
    assertEquals(expected, load(yaml, Map.of("HOST", "", "PORT", "")).server());
  }

  @Test
  void unsetVariableWithoutDefaultIsAProblemNamingItAndTheLine() {
    ConfigException e =
        failure(
            """
        database:
          url: jdbc:mysql://db:3306/corral
          user: corral
          password: ${DB_PASSWORD}
        """);

    ConfigProblem p = problemAt(e, "database.password");
    assertEquals(4, p.line());
    assertTrue(p.message().contains("DB_PASSWORD is not set"), p.message());
    assertTrue(
        e.getMessage()
            .contains("line 4: database.password: environment variable DB_PASSWORD is not set"),
        e.getMessage());
  }

  @Test
  void everyUnsetVariableIsReported() {
    ConfigException e =
        failure(
            """
        server:
          host: ${A}-${B}
        """);

    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.getMessage().contains("A is not set"));
    assertTrue(e.getMessage().contains("B is not set"));
  }

  @Test
  void defaultsNestAndAreOnlyCheckedWhenUsed() {
    String yaml = "server: {host: \"${A:-${B:-fallback}}\"}";

    assertEquals("fallback", load(yaml, Map.of()).server().host());
    assertEquals("b", load(yaml, Map.of("B", "b")).server().host());
    assertEquals("a", load("server: {host: \"${A:-${UNSET}}\"}", Map.of("A", "a")).server().host());
  }

  @Test
  void dollarsThatAreNotReferencesStayLiteral() {
    CorralConfig c =
        load(
            """
        database:
          url: jdbc:mysql://db/corral
          user: $user
          password: pa$$word$${NOT_A_VAR}
        """);

    assertEquals("$user", c.database().user());
    assertEquals("pa$$word${NOT_A_VAR}", c.database().password());
  }

  @Test
  void malformedReferenceIsAProblem() {
    ConfigException e =
        failure(
            """
        server:
          host: ${HOST
        """);

    ConfigProblem p = problemAt(e, "server.host");
    assertEquals(2, p.line());
    assertTrue(p.message().contains("missing '}'"), p.message());
  }

  @Test
  void substitutedValueIsStillTypeChecked() {
    ConfigException e = failure("server: {port: \"${PORT}\"}", Map.of("PORT", "http"));

    assertEquals("expected a whole number (got 'http')", problemAt(e, "server.port").message());
  }
}
