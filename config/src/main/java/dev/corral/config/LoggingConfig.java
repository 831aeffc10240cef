package dev.corral.config;

/**
 * How Corral writes its log ({@code logging:}). {@code TEXT}: one line per event, {@code time LEVEL
 * logger - message key=value ...}. {@code JSON}: one JSON object per line with {@code time, level,
 * logger, message} and each id ({@code pool, vm, lease, build, ...}) as a field of its own.
 */
public record LoggingConfig(Format format) {
  public enum Format {
    TEXT,
    JSON
  }

  public static final LoggingConfig DEFAULTS = new LoggingConfig(Format.TEXT);

  public LoggingConfig {
    format = format == null ? Format.TEXT : format;
  }
}
