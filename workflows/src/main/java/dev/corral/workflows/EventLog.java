package dev.corral.workflows;

import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.event.Level;

/**
 * One log line per event, with the ids it concerns as fields: {@code EventLog.info(log, "VM ready",
 * VM, name, POOL, pool)}. The ids go into the MDC for the one call, so the log format shows them as
 * {@code vm=… pool=…} after the message in text, and as fields of their own in JSON ({@code
 * logging.format}); a null id is left out. Keys are lower-case snake_case, which is how the log
 * format tells them from other MDC entries.
 *
 * <p>Works with any logger, including {@code Workflow.getLogger} in workflow code: that logger
 * reports itself disabled while the workflow replays, so a replayed event is not logged twice. Kept
 * in this module because workflows, activities and the web layer all log events.
 */
public final class EventLog {
  public static final String POOL = "pool";
  public static final String VM = "vm";
  public static final String LEASE = "lease";
  public static final String BUILD = "build";
  public static final String STEP = "step";
  public static final String PROVIDER = "provider";
  public static final String TEMPLATE = "template";
  public static final String GROUP = "group";
  public static final String OWNER = "owner";
  public static final String TASK = "task";

  private EventLog() {}

  public static void info(Logger log, String message, Object... ids) {
    emit(log, Level.INFO, message, null, ids);
  }

  public static void warn(Logger log, String message, Object... ids) {
    emit(log, Level.WARN, message, null, ids);
  }

  /** {@code error}'s stack trace follows the line. */
  public static void error(Logger log, String message, Throwable error, Object... ids) {
    emit(log, Level.ERROR, message, error, ids);
  }

  private static void emit(Logger log, Level level, String message, Throwable error, Object[] ids) {
    if (ids.length % 2 != 0) {
      throw new IllegalArgumentException(
          "ids come as key, value pairs: " + ids.length + " values given");
    }
    if (!log.isEnabledForLevel(level)) {
      return;
    }
    String[] previous = new String[ids.length / 2];
    for (int i = 0; i < ids.length; i += 2) {
      String key = (String) ids[i];
      previous[i / 2] = MDC.get(key);
      if (ids[i + 1] == null) {
        MDC.remove(key);
      } else {
        MDC.put(key, ids[i + 1].toString());
      }
    }
    try {
      switch (level) {
        case ERROR -> log.error(message, error);
        case WARN -> log.warn(message, error);
        default -> log.info(message, error);
      }
    } finally {
      // Back as it was: a workflow or request thread may carry ids of its own.
      for (int i = ids.length - 2; i >= 0; i -= 2) {
        String key = (String) ids[i];
        if (previous[i / 2] == null) {
          MDC.remove(key);
        } else {
          MDC.put(key, previous[i / 2]);
        }
      }
    }
  }
}
