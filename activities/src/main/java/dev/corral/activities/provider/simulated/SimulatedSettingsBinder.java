package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.config.SettingsMapping;
import dev.corral.config.SettingsValue;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a simulated provider's keys from the config; each bad value is reported with its key and line. */
final class SimulatedSettingsBinder {
  static final List<String> KEYS = List.of(
      "clone_seconds", "boot_seconds", "destroy_seconds", "fail_percent", "power_off_percent", "state_file",
      "step_seconds", "fail_steps", "templates", "snapshot_seconds", "revert_seconds", "disk_seconds",
      "clean_seconds");
  static final List<String> FAIL_PERCENT_KEYS =
      List.of("clone", "boot", "destroy", "snapshot", "revert", "disk", "clean");
  static final List<String> TEMPLATE_KEYS = List.of("name", "group", "version", "date");

  private SimulatedSettingsBinder() {}

  static SimulatedSettings bind(SettingsMapping m) {
    SettingsMapping fail = m.mapping("fail_percent").allowOnly(FAIL_PERCENT_KEYS);
    return new SimulatedSettings(
        range(m, "clone_seconds", SimulatedSettings.DEFAULT_CLONE_SECONDS),
        range(m, "boot_seconds", SimulatedSettings.DEFAULT_BOOT_SECONDS),
        range(m, "destroy_seconds", SimulatedSettings.DEFAULT_DESTROY_SECONDS),
        new SimulatedSettings.FailPercent(fail.percent("clone"), fail.percent("boot"), fail.percent("destroy"),
            fail.percent("snapshot"), fail.percent("revert"), fail.percent("disk"), fail.percent("clean")),
        m.percent("power_off_percent"),
        m.filePath("state_file", (Path) null),
        range(m, "step_seconds", SimulatedSettings.DEFAULT_STEP_SECONDS),
        failSteps(m.mapping("fail_steps").allowOnly(SimulatedSettings.STEPS)),
        templates(m),
        range(m, "snapshot_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "revert_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "disk_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "clean_seconds", SimulatedSettings.DEFAULT_CLEAN_SECONDS));
  }

  /** Only the steps written; an unwritten step never fails. */
  private static Map<String, Double> failSteps(SettingsMapping m) {
    Map<String, Double> percents = new LinkedHashMap<>();
    for (String step : m.keys()) {
      if (SimulatedSettings.STEPS.contains(step) && m.value(step) != null) {
        percents.put(step, m.percent(step));
      }
    }
    return percents;
  }

  private static List<SimulatedTemplate> templates(SettingsMapping m) {
    SettingsValue n = m.value("templates");
    if (n == null) {
      return List.of();
    }
    List<SettingsValue> items = n.list("a list of templates ({name, group, version, date})");
    if (items == null) {
      return List.of();
    }
    List<SimulatedTemplate> templates = new ArrayList<>();
    Map<String, Integer> firstLine = new HashMap<>();
    for (SettingsValue item : items) {
      if (!item.isMapping()) {
        item.problem("expected a mapping {name, group, version, date}, got " + item.kind());
        continue;
      }
      SettingsMapping t = item.mapping().allowOnly(TEMPLATE_KEYS);
      String name = t.requiredString("name");
      Integer first = name.isEmpty() ? null : firstLine.putIfAbsent(name, t.lineOf("name"));
      if (first != null) {
        t.problem("name", "duplicate template name '" + name + "' (first at line " + first + ")");
      }
      // The version is kept as written: version: 12.10 must not become the number 12.1.
      templates.add(new SimulatedTemplate(
          name,
          t.nonEmptyString("group", null),
          t.nonEmptyString("version", null),
          t.value("date") == null ? null : t.value("date").date()));
    }
    return templates;
  }

  /** A fixed number of seconds, or {@code [min, max]} for a uniform random pick. */
  private static SecondsRange range(SettingsMapping m, String key, SecondsRange dflt) {
    SettingsValue n = m.value(key);
    if (n == null) {
      return dflt;
    }
    if (!n.isList()) {
      Double fixed = n.number(0, Double.MAX_VALUE);
      return fixed == null ? dflt : SecondsRange.fixed(fixed);
    }
    List<SettingsValue> items = n.list("a number of seconds or a list [min, max]");
    if (items.size() != 2) {
      m.problem(key, "expected a number or two numbers [min, max] (got " + items.size() + " items)");
      return dflt;
    }
    Double min = items.get(0).number(0, Double.MAX_VALUE);
    Double max = items.get(1).number(0, Double.MAX_VALUE);
    if (min == null || max == null) {
      return dflt;
    }
    if (min > max) {
      m.problem(key, "min must not be greater than max (got [" + plain(min) + ", " + plain(max) + "])");
      return dflt;
    }
    return new SecondsRange(min, max);
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
