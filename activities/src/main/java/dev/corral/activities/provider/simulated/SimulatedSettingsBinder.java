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

/**
 * Reads a simulated provider's keys from the config; each bad value is reported with its key and
 * line.
 */
final class SimulatedSettingsBinder {
  private SimulatedSettingsBinder() {}

  /** Reads the keys in the order an "unknown key" problem lists them. */
  static SimulatedSettings bind(SettingsMapping m) {
    return new SimulatedSettings(
        range(m, "clone_seconds", SimulatedSettings.DEFAULT_CLONE_SECONDS),
        range(m, "boot_seconds", SimulatedSettings.DEFAULT_BOOT_SECONDS),
        range(m, "destroy_seconds", SimulatedSettings.DEFAULT_DESTROY_SECONDS),
        m.bind("fail_percent", SimulatedSettingsBinder::failPercent),
        m.percent("power_off_percent"),
        m.filePath("state_file", (Path) null),
        range(m, "step_seconds", SimulatedSettings.DEFAULT_STEP_SECONDS),
        m.bind("fail_steps", SimulatedSettingsBinder::failSteps),
        templates(m),
        range(m, "snapshot_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "revert_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "disk_seconds", SimulatedSettings.DEFAULT_VM_TASK_SECONDS),
        range(m, "clean_seconds", SimulatedSettings.DEFAULT_CLEAN_SECONDS));
  }

  private static SimulatedSettings.FailPercent failPercent(SettingsMapping f) {
    return new SimulatedSettings.FailPercent(
        f.percent("clone"),
        f.percent("boot"),
        f.percent("destroy"),
        f.percent("snapshot"),
        f.percent("revert"),
        f.percent("disk"),
        f.percent("clean"));
  }

  /** Only the steps written; an unwritten step never fails. */
  private static Map<String, Double> failSteps(SettingsMapping m) {
    Map<String, Double> percents = new LinkedHashMap<>();
    for (String step : SimulatedSettings.STEPS) {
      if (m.value(step) != null) {
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
      templates.add(item.bind(t -> template(t, firstLine)));
    }
    return templates;
  }

  private static SimulatedTemplate template(SettingsMapping t, Map<String, Integer> firstLine) {
    String name = t.requiredString("name");
    Integer first = name.isEmpty() ? null : firstLine.putIfAbsent(name, t.lineOf("name"));
    if (first != null) {
      t.problem("name", "duplicate template name '" + name + "' (first at line " + first + ")");
    }
    // The version is kept as written: version: 12.10 must not become the number 12.1.
    return new SimulatedTemplate(
        name,
        t.nonEmptyString("group", null),
        t.nonEmptyString("version", null),
        t.value("date") == null ? null : t.value("date").date());
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
      m.problem(
          key, "expected a number or two numbers [min, max] (got " + items.size() + " items)");
      return dflt;
    }
    Double min = items.get(0).number(0, Double.MAX_VALUE);
    Double max = items.get(1).number(0, Double.MAX_VALUE);
    if (min == null || max == null) {
      return dflt;
    }
    if (min > max) {
      m.problem(
          key, "min must not be greater than max (got [" + plain(min) + ", " + plain(max) + "])");
      return dflt;
    }
    return new SecondsRange(min, max);
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
