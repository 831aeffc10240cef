package dev.corral.web.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.corral.workflows.EventLog;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.MDC;

/**
 * EventLog (workflows module; tested here, where the log backend keeps an MDC): the ids ride along
 * in the MDC for exactly one line, and a disabled logger costs nothing.
 */
class EventLogTest {
  /** What each logged line saw: its message and the MDC at that moment. */
  private final List<Map<String, String>> lines = new ArrayList<>();

  @AfterEach
  void clear() {
    MDC.clear();
  }

  @Test
  void theIdsAreInTheMdcForTheLineOnly_andWhatWasThereBeforeComesBack() {
    MDC.put(EventLog.VM, "outer");

    EventLog.info(
        logger(true),
        "VM ready",
        EventLog.VM,
        "corral-a",
        EventLog.POOL,
        "ci",
        EventLog.LEASE,
        null);

    assertEquals(List.of(Map.of("message", "VM ready", "vm", "corral-a", "pool", "ci")), lines);
    assertEquals("outer", MDC.get(EventLog.VM));
    assertNull(MDC.get(EventLog.POOL));
  }

  @Test
  void aDisabledLoggerLogsNothing_asWorkflowGetLoggerIsWhileAWorkflowReplays() {
    EventLog.warn(logger(false), "VM try 1/3 failed", EventLog.VM, "corral-a");

    assertEquals(List.of(), lines);
    assertNull(MDC.get(EventLog.VM));
  }

  @Test
  void idsComeInPairs() {
    assertThrows(
        IllegalArgumentException.class, () -> EventLog.info(logger(true), "x", EventLog.VM));
  }

  /**
   * A logger enabled or not (as ReplayAwareLogger reports itself during replay) that records each
   * line.
   */
  private Logger logger(boolean enabled) {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              String name = method.getName();
              if (name.startsWith("is") && name.endsWith("Enabled")
                  || name.equals("isEnabledForLevel")) {
                return enabled;
              }
              if (List.of("info", "warn", "error").contains(name)) {
                Map<String, String> line = new HashMap<>(MDC.getCopyOfContextMap());
                line.put("message", (String) args[0]);
                lines.add(line);
                return null;
              }
              if (name.equals("getName")) {
                return "test";
              }
              throw new UnsupportedOperationException(name);
            });
  }
}
