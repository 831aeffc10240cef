package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.SettingsMapping;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Reads a libvirt provider's keys from the config; each bad value is reported with its key and
 * line.
 */
final class LibvirtSettingsBinder {
  /** libvirt object names that reach XML and, for the scope, every domain's metadata. */
  private static final Pattern OBJECT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private LibvirtSettingsBinder() {}

  /** Reads the keys in the order an "unknown key" problem lists them. */
  static LibvirtSettings bind(SettingsMapping m) {
    String uri = m.nonEmptyString("uri", LibvirtSettings.DEFAULT_URI);
    if (uri != null && !validUri(uri)) {
      m.problem(
          "uri",
          "'"
              + uri
              + "' is not a libvirt URI such as qemu:///system or qemu+ssh://user@host/system");
    }
    String storagePool = m.string("storage_pool", null);
    if (!m.present("storage_pool")) {
      m.problem(
          "storage_pool",
          "required key is missing (the libvirt storage pool holding templates and VM disks)");
    } else {
      objectName(m, "storage_pool", storagePool);
    }
    String network = m.string("network", LibvirtSettings.USER_NETWORK);
    String bridge = m.string("bridge", null);
    if (bridge != null) {
      objectName(m, "bridge", bridge);
      if (m.present("network")) {
        m.problem("bridge", "set either network or bridge, not both");
      }
      network = null;
    } else {
      objectName(m, "network", network);
    }
    String accel = m.string("accel", LibvirtSettings.DEFAULT_ACCEL);
    if (accel != null && !LibvirtSettings.ACCELS.contains(accel)) {
      m.problem(
          "accel",
          "unknown accelerator '"
              + accel
              + "' (known: "
              + String.join(", ", LibvirtSettings.ACCELS)
              + ")");
    }
    String kernel = hostPath(m, "kernel");
    String initrd = hostPath(m, "initrd");
    if (initrd != null && kernel == null) {
      m.problem("initrd", "an initrd needs a kernel (direct kernel boot)");
    }
    String kernelArgs = m.string("kernel_args", GuestContract.KERNEL_ARGS);
    String scope = m.string("scope", null);
    if (scope != null) {
      objectName(m, "scope", scope);
    }
    return new LibvirtSettings(
        uri,
        storagePool,
        network,
        bridge,
        accel,
        kernel,
        initrd,
        kernelArgs,
        // Below 64 MiB not even a small Linux guest boots; the cap keeps a typo from asking for
        // terabytes.
        m.integer("memory_mb", LibvirtSettings.DEFAULT_MEMORY_MB, 64, 1024 * 1024),
        m.integer("cpus", LibvirtSettings.DEFAULT_CPUS, 1, 256),
        GuestContract.bindPorts(m),
        hostPathOr(m, "console_log_dir", LibvirtSettings.DEFAULT_CONSOLE_LOG_DIR),
        scope,
        m.integer(
            "keepalive_interval_seconds",
            LibvirtSettings.DEFAULT_KEEPALIVE_INTERVAL_SECONDS,
            1,
            3600),
        m.integer("keepalive_count", LibvirtSettings.DEFAULT_KEEPALIVE_COUNT, 1, 100));
  }

  private static boolean validUri(String uri) {
    try {
      URI u = new URI(uri);
      return u.getScheme() != null && u.getScheme().matches("[a-z][a-z0-9+]*");
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static void objectName(SettingsMapping m, String key, String value) {
    if (value != null && !OBJECT_NAME.matcher(value).matches()) {
      m.problem(
          key, "'" + value + "' must be 1-64 letters, digits, '.', '_' or '-', starting with one");
    }
  }

  /** A path on the libvirt host, which may be another machine: it must be absolute. */
  private static String hostPath(SettingsMapping m, String key) {
    String path = m.string(key, null);
    if (path != null && (!path.startsWith("/") || path.contains("\n"))) {
      m.problem(key, "'" + path + "' must be an absolute path on the libvirt host");
      return null;
    }
    return path;
  }

  private static String hostPathOr(SettingsMapping m, String key, String dflt) {
    String path = hostPath(m, key);
    return path == null ? dflt : path;
  }
}
