package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigProblemsTest {

  @Test
  void wrongTypesAreProblems() {
    ConfigException e =
        failure(
            """
        server:
          port: [1, 2]
        pools:
          - name: p
            template: t
            size: lots
            max_tries: 1.5
            alias: {a: b}
        """);

    assertEquals("expected a whole number, got a list", problemAt(e, "server.port").message());
    assertEquals(
        new ConfigProblem("pools[0].size", 6, "expected a whole number (got 'lots')"),
        problemAt(e, "pools[0].size"));
    assertEquals(7, problemAt(e, "pools[0].max_tries").line());
    assertEquals(
        "expected a string or a list of strings, got a mapping",
        problemAt(e, "pools[0].alias").message());
    assertEquals(4, e.problems().size(), e.getMessage());
  }

  @Test
  void missingRequiredKeyPointsAtItsMapping() {
    ConfigException e =
        failure(
            """
        pools:
          - name: a
            template: t
          - name: b
            size: 2
        """);

    assertEquals(
        new ConfigProblem("pools[1].template", 4, "required key is missing"),
        problemAt(e, "pools[1].template"));
    assertEquals(1, e.problems().size(), e.getMessage());
  }

  @Test
  void unknownKeysComeFirstOnTheirLineInFileOrder() {
    ConfigException e = failure("server: {hst: h, port: x, prot: 1}");

    assertEquals(
        """
        test.yaml: 3 problems
          line 1: server.hst: unknown key (allowed: host, port, max_body_bytes)
          line 1: server.prot: unknown key (allowed: host, port, max_body_bytes)
          line 1: server.port: expected a whole number (got 'x')""",
        e.getMessage());
  }

  @Test
  void duplicateKeysAreProblems() {
    ConfigException e =
        failure(
            """
        server:
          port: 1
          port: 2
        """);

    assertEquals(
        new ConfigProblem("server.port", 3, "duplicate key (first at line 2)"),
        problemAt(e, "server.port"));
  }

  @Test
  void serverDatabaseAndTemporalValuesAreChecked() {
    ConfigException e =
        failure(
            """
        server: {host: "", port: 70000}
        database:
          url: postgres://db/corral
        temporal: {address: temporal.example.com, namespace: ""}
        """);

    assertEquals("must not be empty", problemAt(e, "server.host").message());
    assertEquals("must be between 0 and 65535 (got 70000)", problemAt(e, "server.port").message());
    ConfigProblem url = problemAt(e, "database.url");
    assertEquals(3, url.line());
    assertEquals(
        "must be 'embedded' or a JDBC URL starting with jdbc:mysql: or jdbc:mariadb:",
        url.message());
    assertTrue(problemAt(e, "temporal.address").message().contains("host:port"));
    assertEquals("must not be empty", problemAt(e, "temporal.namespace").message());
    assertEquals(5, e.problems().size(), e.getMessage());
  }

  @Test
  void credentialsWithTheEmbeddedDatabaseAreProblems() {
    ConfigException e =
        failure(
            """
        database:
          url: embedded
          user: corral
          password: secret
        """);

    assertEquals(
        new ConfigProblem("database.user", 3, "only used with a JDBC url, but url is embedded"),
        problemAt(e, "database.user"));
    assertEquals(4, problemAt(e, "database.password").line());
    assertTrue(!e.getMessage().contains("secret"), "the password must not be echoed");
  }

  @Test
  void realDatabaseAndTemporalAreAccepted() {
    CorralConfig c =
        TestConfigs.load(
            """
        database: {url: "jdbc:mariadb://db:3306/corral", user: corral, password: pw}
        temporal: {address: "temporal:7233", namespace: corral}
        server: {port: 0}
        """);

    assertEquals(new DatabaseConfig("jdbc:mariadb://db:3306/corral", "corral", "pw"), c.database());
    assertEquals(new TemporalConfig("temporal:7233", "corral", null), c.temporal());
    assertEquals(0, c.server().port());
  }

  @Test
  void emptyPoolsOrProvidersKeyIsAmbiguousAndAProblem() {
    ConfigException e =
        failure(
            """
        providers:
        pools:
        """);

    assertEquals(1, problemAt(e, "providers").line());
    assertTrue(problemAt(e, "pools").message().contains("pools: []"));
  }

  @Test
  void topLevelMustBeAMapping() {
    ConfigException e = failure("- a\n- b\n");

    assertEquals(List.of(new ConfigProblem("", 1, "expected a mapping, got a list")), e.problems());
  }

  @Test
  void problemWithoutLineOrPathLeavesThemOut() {
    assertEquals(
        "line 3: pools[0].size: bad", new ConfigProblem("pools[0].size", 3, "bad").toString());
    assertEquals("pools: bad", new ConfigProblem("pools", 0, "bad").toString());
    assertEquals("line 2: bad", new ConfigProblem("", 2, "bad").toString());
    assertEquals(
        "x.yaml: 1 problem\n  bad",
        new ConfigException("x.yaml", new ConfigProblem("", 0, "bad")).getMessage());
  }
}
