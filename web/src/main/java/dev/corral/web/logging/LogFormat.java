package dev.corral.web.logging;

import dev.corral.config.LoggingConfig;
import org.slf4j.LoggerFactory;

/**
 * Switches Corral's log to the config's format ({@code logging.format}) when Corral starts. The
 * setup itself is {@link LogbackSetup}; this class names no logback type, so a classpath with
 * another SLF4J backend (the benchmarks keep slf4j-simple for their log files) loads it and is left
 * alone.
 */
public final class LogFormat {
  private LogFormat() {}

  /**
   * Makes the log use {@code config}'s format from the next line on; nothing changes when it
   * already does.
   */
  public static void apply(LoggingConfig config) {
    if (LoggerFactory.getILoggerFactory()
        .getClass()
        .getName()
        .equals("ch.qos.logback.classic.LoggerContext")) {
      LogbackSetup.apply(config.format());
    }
  }
}
