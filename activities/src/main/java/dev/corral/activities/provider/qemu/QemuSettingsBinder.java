package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.SettingsMapping;
import java.nio.file.Path;

/**
 * Reads a QEMU provider's keys from the config; each bad value is reported with its key and line.
 */
final class QemuSettingsBinder {
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
        GuestContract.bindPorts(m),
        m.nonEmptyString("qemu_binary", QemuSettings.DEFAULT_QEMU_BINARY),
        m.nonEmptyString("qemu_img", QemuSettings.DEFAULT_QEMU_IMG));
  }
}
