package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.provider.vsphere.VsphereSettings.PoolPlacement;
import dev.corral.activities.provider.vsphere.VsphereSettings.Secret;
import dev.corral.config.SettingsMapping;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a vSphere provider's keys from the config; each bad value is reported with its key and
 * line. The password is read here (from the environment through {@code ${VAR}}, or from {@code
 * password_file}) so a missing one stops the config load, not the first clone.
 */
final class VsphereSettingsBinder {
  private VsphereSettingsBinder() {}

  static VsphereSettings bind(SettingsMapping m) {
    URI url = url(m);
    String user = m.requiredString("user");
    Secret password = password(m);
    Path caFile = m.filePath("ca_file", null);
    if (caFile != null && !Files.isReadable(caFile)) {
      m.problem("ca_file", "cannot read " + caFile);
    }
    boolean insecure = m.bool("insecure", false);
    if (insecure && caFile != null) {
      m.problem("insecure", "set either ca_file or insecure, not both");
    }
    String datacenter = path(m, "datacenter", null);
    String folder = path(m, "folder", VsphereSettings.DEFAULT_FOLDER);
    String templateFolder = path(m, "template_folder", VsphereSettings.DEFAULT_TEMPLATE_FOLDER);
    String cluster = path(m, "cluster", null);
    String resourcePool = path(m, "resource_pool", null);
    String datastore = path(m, "datastore", null);
    String network = path(m, "network", null);
    String cloneType = oneOf(m, "clone_type", VsphereSettings.LINKED, VsphereSettings.CLONE_TYPES);
    String readiness = oneOf(m, "readiness", VsphereSettings.TOOLS, VsphereSettings.READINESS);
    Map<String, Integer> ports = GuestContract.bindPorts(m);
    // 64 sessions is more than any vCenter gives one user by default.
    int sessions = m.integer("sessions", 0, 0, 64);
    if (m.present("sessions") && sessions == 1) {
      m.problem("sessions", "must be 0 (automatic) or at least 2: one stays free for listings");
    }
    int callTimeout =
        m.integer("call_timeout_seconds", VsphereSettings.DEFAULT_CALL_TIMEOUT_SECONDS, 1, 3600);
    int taskTimeout =
        m.integer(
            "task_timeout_seconds", VsphereSettings.DEFAULT_TASK_TIMEOUT_SECONDS, 10, 24 * 3600);
    Map<String, PoolPlacement> pools = m.bind("pools", VsphereSettingsBinder::pools);
    boolean purgeEmptyFolders = m.bool("purge_empty_folders", false);
    return new VsphereSettings(
        url,
        user,
        password,
        caFile,
        insecure,
        datacenter,
        folder,
        templateFolder,
        cluster,
        resourcePool,
        datastore,
        network,
        cloneType,
        readiness,
        ports,
        sessions,
        callTimeout,
        taskTimeout,
        pools,
        purgeEmptyFolders);
  }

  private static URI url(SettingsMapping m) {
    String text = m.requiredString("url");
    if (text.isEmpty()) {
      return URI.create("https://missing.invalid/sdk");
    }
    try {
      URI url = new URI(text);
      if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())
          || url.getHost() == null
          || url.getUserInfo() != null) {
        throw new URISyntaxException(text, "not an address");
      }
      return url.getPath() == null || url.getPath().isEmpty() || "/".equals(url.getPath())
          ? url.resolve("/sdk")
          : url;
    } catch (URISyntaxException e) {
      m.problem(
          "url",
          "'"
              + text
              + "' is not a vCenter address such as https://vcenter.example.com/sdk (without"
              + " credentials: set user and password)");
      return URI.create("https://missing.invalid/sdk");
    }
  }

  private static Secret password(SettingsMapping m) {
    boolean inline = m.present("password");
    boolean file = m.present("password_file");
    if (inline && file) {
      m.problem("password_file", "set either password or password_file, not both");
    }
    if (file) {
      Path path = m.filePath("password_file", null);
      try {
        String value = Files.readString(path).strip();
        if (value.isEmpty()) {
          m.problem("password_file", path + " is empty");
        }
        return new Secret(value, "password_file " + path);
      } catch (IOException | RuntimeException e) {
        m.problem("password_file", "cannot read " + path);
        return new Secret("", "password_file");
      }
    }
    if (!inline) {
      m.problem(
          "password",
          "required key is missing: password: ${VARIABLE} (from the environment) or"
              + " password_file: /path");
      return new Secret("", "nowhere");
    }
    String value = m.string("password", "");
    if (value == null || value.isEmpty()) {
      m.problem("password", "is empty (is the environment variable it names set?)");
      return new Secret("", "password");
    }
    return new Secret(value, "password");
  }

  private static Map<String, PoolPlacement> pools(SettingsMapping section) {
    Map<String, PoolPlacement> pools = new LinkedHashMap<>();
    for (String pool : section.keys()) {
      pools.put(pool, section.bind(pool, VsphereSettingsBinder::placement));
    }
    return pools;
  }

  private static PoolPlacement placement(SettingsMapping p) {
    return new PoolPlacement(
        path(p, "datacenter", null),
        path(p, "folder", null),
        path(p, "cluster", null),
        path(p, "resource_pool", null),
        path(p, "datastore", null),
        path(p, "network", null),
        p.present("clone_type") ? oneOf(p, "clone_type", null, VsphereSettings.CLONE_TYPES) : null);
  }

  /** An inventory path: names joined by '/', none empty, no leading or trailing '/'. */
  private static String path(SettingsMapping m, String key, String dflt) {
    String value = m.string(key, dflt);
    if (value == null) {
      return null;
    }
    if (value.isBlank()
        || value.startsWith("/")
        || value.endsWith("/")
        || value.contains("//")
        || value.chars().anyMatch(Character::isISOControl)) {
      m.problem(
          key,
          "'"
              + value
              + "' is not an inventory path (names joined by '/', without a leading or trailing"
              + " '/')");
      return dflt;
    }
    return value;
  }

  private static String oneOf(SettingsMapping m, String key, String dflt, List<String> known) {
    String value = m.string(key, dflt);
    if (value != null && !known.contains(value)) {
      m.problem(key, "unknown value '" + value + "' (known: " + String.join(", ", known) + ")");
      return dflt;
    }
    return value;
  }
}
