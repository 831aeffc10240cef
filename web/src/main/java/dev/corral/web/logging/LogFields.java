package dev.corral.web.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.event.KeyValuePair;

/**
 * The ids of one log event: MDC entries with lower-case snake_case keys (as {@code EventLog} writes
 * them; the Temporal SDK's own MDC entries are CamelCase and stay out), then SLF4J key-value pairs.
 * The MDC keeps no order, so ids come in one fixed order: the well-known ones as {@link #ORDER}
 * lists them, then the rest by name.
 */
final class LogFields {
  private static final Pattern ID_KEY = Pattern.compile("[a-z][a-z0-9_]*");
  private static final List<String> ORDER =
      List.of(
          "lease", "build", "task", "vm", "pool", "provider", "template", "group", "step", "owner");
  private static final Comparator<String> BY_ORDER =
      Comparator.comparingInt(
              (String key) -> ORDER.contains(key) ? ORDER.indexOf(key) : ORDER.size())
          .thenComparing(Comparator.naturalOrder());

  private LogFields() {}

  static Map<String, String> of(ILoggingEvent event) {
    Map<String, String> ids = new TreeMap<>(BY_ORDER);
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      mdc.forEach(
          (key, value) -> {
            if (value != null && ID_KEY.matcher(key).matches()) {
              ids.put(key, value);
            }
          });
    }
    Map<String, String> all = new LinkedHashMap<>(ids);
    if (event.getKeyValuePairs() != null) {
      for (KeyValuePair pair : event.getKeyValuePairs()) {
        if (pair.value != null) {
          all.put(pair.key, String.valueOf(pair.value));
        }
      }
    }
    return all;
  }

  /** The Temporal workflow the event happened in, if any (the SDK's MDC entry). */
  static String workflowId(ILoggingEvent event) {
    Map<String, String> mdc = event.getMDCPropertyMap();
    return mdc == null ? null : mdc.get("WorkflowId");
  }

  /** The logger's last name segment, as slf4j-simple's showShortLogName printed it. */
  static String shortName(String logger) {
    return logger.substring(logger.lastIndexOf('.') + 1);
  }
}
