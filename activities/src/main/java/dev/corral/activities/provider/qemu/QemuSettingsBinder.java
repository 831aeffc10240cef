package dev.corral.activities.provider.qemu;

import dev.corral.config.SettingsMapping;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a QEMU provider's keys from the config; each bad value is reported with its key and line.
 */
final class QemuSettingsBinder {
  // Port names are the keys of a lease reply's ports, like provider names (file names, metrics
  // labels).
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private QemuSettingsBinder() {}

  /** Reads the keys in the order an "unknown key" problem lists them. */
  static QemuSettings bind(SettingsMapping m) {
    Path templatesDir = m.filePath("templates_dir", (Path) null);
    if (!m.present("templates_dir")) {
      m.problem(
          "templates_dir", "required key is missing (the directory holding the qcow2 templates)");
    }
    Path kernel = m.filePath("kernel", (Path) null);
    Path initrd = m.filePath("initrd", (Path) null);
    if (initrd != null && kernel == null && !m.present("kernel")) {
      m.problem("initrd", "an initrd needs a kernel (direct kernel boot)");
    }
    String accel = m.string("accel", QemuSettings.DEFAULT_ACCEL);
    if (accel != null && !QemuSettings.ACCELS.contains(accel)) {
      m.problem(
          "accel",
          "unknown accelerator '"
              + accel
              + "' (known: "
              + String.join(", ", QemuSettings.ACCELS)
              + ")");
    }
    return new QemuSettings(
        templatesDir,
        kernel,
        initrd,
        accel,
        // Below 64 MiB not even a small Linux guest boots; the cap keeps a typo from asking for
        // terabytes.
        m.integer("memory_mb", QemuSettings.DEFAULT_MEMORY_MB, 64, 1024 * 1024),
        m.integer("cpus", QemuSettings.DEFAULT_CPUS, 1, 256),
        m.filePath("vms_dir", (Path) null),
        ports(m),
        m.nonEmptyString("qemu_binary", QemuSettings.DEFAULT_QEMU_BINARY),
        m.nonEmptyString("qemu_img", QemuSettings.DEFAULT_QEMU_IMG));
  }

  /** Guest ports to forward, {@code {name: guest port}}; the agent's port is always among them. */
  private static Map<String, Integer> ports(SettingsMapping m) {
    if (!m.present("ports")) {
      return QemuSettings.DEFAULT_PORTS;
    }
    Map<String, Integer> ports = m.bind("ports", QemuSettingsBinder::portNumbers);
    if (!ports.containsKey(QemuSettings.AGENT_PORT)) {
      m.problem(
          "ports",
          "must name the guest agent's port as 'agent' (Corral checks readiness and runs template steps through it)");
    }
    return ports;
  }

  private static Map<String, Integer> portNumbers(SettingsMapping section) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!PORT_NAME.matcher(name).matches()) {
        section.problem(name, "port name must be 1-32 lowercase letters, digits, '_' or '-'");
      }
      ports.put(name, section.integer(name, 0, 1, 65535));
    }
    return ports;
  }
}
