package dev.corral.config;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.corral.config.SimulatedSettings.SimulatedTemplate;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Binds the {@code providers:} mapping. The keys a provider may have depend on its {@code type}, so the
 * type is read first; a provider of an unknown type gets only its common keys checked, because reporting
 * its other keys as "unknown" would bury the real mistake.
 */
final class ProviderBinder {
  static final String SIMULATED = "simulated";
  static final String QEMU = "qemu";
  static final List<String> KNOWN_TYPES = List.of(SIMULATED, QEMU);

  static final List<String> COMMON_KEYS = List.of("type", "max_vms", "max_concurrent_clones", "max_concurrent_builds");
  static final List<String> SIMULATED_KEYS = Stream.concat(COMMON_KEYS.stream(), Stream.of(
      "clone_seconds", "boot_seconds", "destroy_seconds", "fail_percent", "power_off_percent", "state_file",
      "step_seconds", "fail_steps", "templates", "snapshot_seconds", "revert_seconds", "disk_seconds",
      "clean_seconds"))
      .toList();
  static final List<String> QEMU_KEYS = Stream.concat(COMMON_KEYS.stream(), Stream.of(
      "templates_dir", "kernel", "initrd", "accel", "memory_mb", "cpus", "vms_dir", "ports", "qemu_binary", "qemu_img"))
      .toList();
  static final List<String> FAIL_PERCENT_KEYS =
      List.of("clone", "boot", "destroy", "snapshot", "revert", "disk", "clean");
  static final List<String> SIMULATED_TEMPLATE_KEYS = List.of("name", "group", "version", "date");

  // Names end up in file names (state files) and metrics labels, hence the narrow alphabet.
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private final YamlNodes nodes;

  ProviderBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  /**
   * Every written provider is returned, even a broken one, so that pools referring to it are not also
   * reported as referring to an unknown provider.
   */
  Map<String, ProviderConfig> bind(YamlMapping section) {
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!NAME.matcher(name).matches()) {
        nodes.problem(section.path(name), section.lineOf(name),
            "provider name must be 1-32 lowercase letters, digits, '_' or '-', starting with a letter or digit");
      }
      providers.put(name, provider(name, section.mapping(name)));
    }
    return providers;
  }

  private ProviderConfig provider(String name, YamlMapping m) {
    String type = m.get("type") == null ? null : nodes.string(m.get("type"), m.path("type"));
    if (m.get("type") == null) {
      nodes.problem(m.path("type"), m.lineOf("type"),
          "required key is missing (known types: " + String.join(", ", KNOWN_TYPES) + ")");
    } else if (type != null && !KNOWN_TYPES.contains(type)) {
      nodes.problem(m.path("type"), m.lineOf("type"),
          "unknown provider type '" + type + "' (known: " + String.join(", ", KNOWN_TYPES) + ")");
    }
    int maxVms = m.integer("max_vms", Defaults.MAX_VMS, 1, Integer.MAX_VALUE);
    // Booting a real guest is CPU-bound: more concurrent boots than cores only make every boot late.
    int defaultClones = QEMU.equals(type) ? Runtime.getRuntime().availableProcessors() : Defaults.MAX_CONCURRENT_CLONES;
    int maxClones = m.integer("max_concurrent_clones", defaultClones, 1, Integer.MAX_VALUE);
    // 0 is allowed: this provider hosts pools but never prepares templates.
    int maxBuilds = m.integer("max_concurrent_builds", ProviderConfig.DEFAULT_MAX_CONCURRENT_BUILDS, 0, Integer.MAX_VALUE);
    ProviderSettings settings = null;
    if (SIMULATED.equals(type)) {
      m.allowOnly(SIMULATED_KEYS);
      settings = simulated(m);
    } else if (QEMU.equals(type)) {
      m.allowOnly(QEMU_KEYS);
      settings = qemu(m);
    }
    return new ProviderConfig(name, type == null ? "" : type, maxVms, maxClones, maxBuilds, settings);
  }

  private SimulatedSettings simulated(YamlMapping m) {
    YamlMapping fail = m.mapping("fail_percent").allowOnly(FAIL_PERCENT_KEYS);
    return new SimulatedSettings(
        range(m, "clone_seconds", Defaults.CLONE_SECONDS),
        range(m, "boot_seconds", Defaults.BOOT_SECONDS),
        range(m, "destroy_seconds", Defaults.DESTROY_SECONDS),
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

  private QemuSettings qemu(YamlMapping m) {
    Path templatesDir = m.filePath("templates_dir", (Path) null);
    if (!m.present("templates_dir")) {
      nodes.problem(m.path("templates_dir"), m.lineOf("templates_dir"),
          "required key is missing (the directory holding the qcow2 templates)");
    }
    Path kernel = m.filePath("kernel", (Path) null);
    Path initrd = m.filePath("initrd", (Path) null);
    if (initrd != null && kernel == null && !m.present("kernel")) {
      nodes.problem(m.path("initrd"), m.lineOf("initrd"), "an initrd needs a kernel (direct kernel boot)");
    }
    String accel = m.string("accel", QemuSettings.DEFAULT_ACCEL);
    if (accel != null && !QemuSettings.ACCELS.contains(accel)) {
      nodes.problem(m.path("accel"), m.lineOf("accel"),
          "unknown accelerator '" + accel + "' (known: " + String.join(", ", QemuSettings.ACCELS) + ")");
    }
    return new QemuSettings(
        templatesDir,
        kernel,
        initrd,
        accel,
        // Below 64 MiB not even a small Linux guest boots; the cap keeps a typo from asking for terabytes.
        m.integer("memory_mb", QemuSettings.DEFAULT_MEMORY_MB, 64, 1024 * 1024),
        m.integer("cpus", QemuSettings.DEFAULT_CPUS, 1, 256),
        m.filePath("vms_dir", (Path) null),
        ports(m),
        m.nonEmptyString("qemu_binary", QemuSettings.DEFAULT_QEMU_BINARY),
        m.nonEmptyString("qemu_img", QemuSettings.DEFAULT_QEMU_IMG));
  }

  /** Guest ports to forward, {@code {name: guest port}}; the agent's port is always among them. */
  private Map<String, Integer> ports(YamlMapping m) {
    if (!m.present("ports")) {
      return QemuSettings.DEFAULT_PORTS;
    }
    YamlMapping section = m.mapping("ports");
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!NAME.matcher(name).matches()) {
        nodes.problem(section.path(name), section.lineOf(name),
            "port name must be 1-32 lowercase letters, digits, '_' or '-'");
      }
      ports.put(name, section.integer(name, 0, 1, 65535));
    }
    if (!ports.containsKey(QemuSettings.AGENT_PORT)) {
      nodes.problem(m.path("ports"), m.lineOf("ports"),
          "must name the guest agent's port as 'agent' (Corral checks readiness and runs template steps through it)");
    }
    return ports;
  }

  /** Only the steps written; an unwritten step never fails. */
  private Map<String, Double> failSteps(YamlMapping m) {
    Map<String, Double> percents = new LinkedHashMap<>();
    for (String step : m.keys()) {
      if (SimulatedSettings.STEPS.contains(step) && m.get(step) != null) {
        percents.put(step, m.percent(step));
      }
    }
    return percents;
  }

  private List<SimulatedTemplate> templates(YamlMapping m) {
    Node n = m.get("templates");
    if (n == null) {
      return List.of();
    }
    List<Node> items = nodes.list(n, m.path("templates"), "a list of templates ({name, group, version, date})");
    if (items == null) {
      return List.of();
    }
    List<SimulatedTemplate> templates = new ArrayList<>();
    Map<String, Integer> firstLine = new HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      String path = SourceLines.item(m.path("templates"), i);
      Node item = items.get(i);
      if (!(item instanceof MappingNode)) {
        nodes.problem(path, YamlNodes.line(item), "expected a mapping {name, group, version, date}, got "
            + YamlNodes.kind(item));
        continue;
      }
      YamlMapping t = nodes.mapping(item, path, YamlNodes.line(item)).allowOnly(SIMULATED_TEMPLATE_KEYS);
      String name = t.requiredString("name");
      Integer first = name.isEmpty() ? null : firstLine.putIfAbsent(name, t.lineOf("name"));
      if (first != null) {
        nodes.problem(t.path("name"), t.lineOf("name"), "duplicate template name '" + name + "' (first at line " + first + ")");
      }
      // The version is kept as written: version: 12.10 must not become the number 12.1.
      templates.add(new SimulatedTemplate(
          name,
          t.nonEmptyString("group", null),
          t.nonEmptyString("version", null),
          t.get("date") == null ? null : nodes.date(t.get("date"), t.path("date"))));
    }
    return templates;
  }

  /** A fixed number of seconds, or {@code [min, max]} for a uniform random pick. */
  private SecondsRange range(YamlMapping m, String key, SecondsRange dflt) {
    Node n = m.get(key);
    if (n == null) {
      return dflt;
    }
    String path = m.path(key);
    if (!(n instanceof SequenceNode)) {
      Double fixed = nodes.number(n, path, 0, Double.MAX_VALUE);
      return fixed == null ? dflt : SecondsRange.fixed(fixed);
    }
    List<Node> items = nodes.list(n, path, "a number of seconds or a list [min, max]");
    if (items.size() != 2) {
      nodes.problem(path, m.lineOf(key), "expected a number or two numbers [min, max] (got " + items.size() + " items)");
      return dflt;
    }
    Double min = nodes.number(items.get(0), SourceLines.item(path, 0), 0, Double.MAX_VALUE);
    Double max = nodes.number(items.get(1), SourceLines.item(path, 1), 0, Double.MAX_VALUE);
    if (min == null || max == null) {
      return dflt;
    }
    if (min > max) {
      nodes.problem(path, m.lineOf(key), "min must not be greater than max (got [" + plain(min) + ", " + plain(max) + "])");
      return dflt;
    }
    return new SecondsRange(min, max);
  }

  private static String plain(double d) {
    return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
  }
}
