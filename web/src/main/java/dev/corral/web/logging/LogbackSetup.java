package dev.corral.web.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.corral.config.LoggingConfig;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Corral's one log setup, in code (there is no logback.xml): every line to stderr through one
 * appender, at INFO, with chatty libraries at WARN, in the text or the JSON format. {@link
 * LogConfigurator} sets up text before the first line; {@link LogFormat#apply} switches to the
 * config's format when Corral starts.
 */
final class LogbackSetup {
  static final String APPENDER = "corral";

  /** The libraries' own INFO lines say nothing an operator needs. */
  private static final Map<String, Level> QUIET =
      Map.of(
          "io.temporal", Level.WARN,
          "io.grpc", Level.WARN,
          "io.javalin", Level.WARN,
          "org.eclipse.jetty", Level.WARN,
          "com.zaxxer.hikari", Level.WARN,
          "org.flywaydb", Level.WARN,
          "ch.vorburger", Level.WARN);

  private LogbackSetup() {}

  static void apply(LoggingConfig.Format format) {
    setUp((LoggerContext) LoggerFactory.getILoggerFactory(), format);
  }

  static synchronized void setUp(LoggerContext context, LoggingConfig.Format format) {
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Appender<ILoggingEvent> current = root.getAppender(APPENDER);
    if (current instanceof ConsoleAppender<ILoggingEvent> console
        && formatOf(console.getEncoder()) == format) {
      return;
    }
    root.setLevel(Level.INFO);
    QUIET.forEach((name, level) -> context.getLogger(name).setLevel(level));

    Encoder<ILoggingEvent> encoder =
        format == LoggingConfig.Format.JSON ? new JsonEncoder() : new TextEncoder();
    encoder.setContext(context);
    encoder.start();
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    // The new appender first, then the old one out: no line is lost while other threads keep
    // logging (one
    // logged at that very moment may show in both formats).
    root.addAppender(appender);
    if (current != null) {
      root.detachAppender(current);
      current.stop();
    }
  }

  private static LoggingConfig.Format formatOf(Encoder<ILoggingEvent> encoder) {
    return encoder instanceof JsonEncoder
        ? LoggingConfig.Format.JSON
        : encoder instanceof TextEncoder ? LoggingConfig.Format.TEXT : null;
  }
}
