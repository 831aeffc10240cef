package dev.corral.config;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** logging: {format: text | json}. */
class LoggingConfigTest {

  @Test
  void withoutTheKeyTheLogIsText() {
    assertEquals(LoggingConfig.Format.TEXT, load("pools: []\n").logging().format());
  }

  @Test
  void jsonIsReadAsWrittenAndMayComeFromTheEnvironment() {
    assertEquals(
        LoggingConfig.Format.JSON, load("pools: []\nlogging: {format: json}\n").logging().format());
    assertEquals(
        LoggingConfig.Format.JSON,
        load(
                "pools: []\nlogging: {format: \"${LOG_FORMAT:-text}\"}\n",
                Map.of("LOG_FORMAT", "json"))
            .logging()
            .format());
  }

  @Test
  void anUnknownFormatOrKeyIsAProblemNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        pools: []
        logging:
          format: xml
          colour: true
        """);

    assertEquals(
        new ConfigProblem("logging.format", 3, "must be text or json (got 'xml')"),
        problemAt(e, "logging.format"));
    assertEquals(
        new ConfigProblem("logging.colour", 4, "unknown key (allowed: format)"),
        problemAt(e, "logging.colour"));
    assertEquals(2, e.problems().size(), e.getMessage());
  }
}
