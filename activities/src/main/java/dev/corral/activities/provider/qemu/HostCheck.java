package dev.corral.activities.provider.qemu;

import dev.corral.config.ProviderConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a QEMU provider needs from this host before it takes any VM: the templates directory, kernel
 * and initrd, both QEMU tools, and a VM directory short enough for a QMP socket. Each problem names
 * the config key, so a broken provider stops Corral at start-up instead of failing every clone
 * later.
 */
final class HostCheck {
  /** sun_path holds 108 bytes with its NUL; a longer socket path cannot be bound. */
  static final int MAX_SOCKET_PATH = 107;

  private HostCheck() {}

  static List<String> problems(ProviderConfig config, QemuSettings settings, Path vmsDir) {
    String key = "providers." + config.name() + ".";
    List<String> problems = new ArrayList<>();
    if (!Files.isDirectory(settings.templatesDir())) {
      problems.add(
          key
              + "templates_dir: "
              + settings.templatesDir().toAbsolutePath()
              + " is not a directory");
    }
    if (settings.kernel() != null && !Files.isReadable(settings.kernel())) {
      problems.add(key + "kernel: cannot read " + settings.kernel().toAbsolutePath());
    }
    if (settings.initrd() != null && !Files.isReadable(settings.initrd())) {
      problems.add(key + "initrd: cannot read " + settings.initrd().toAbsolutePath());
    }
    for (Map.Entry<String, String> tool :
        Map.of("qemu_binary", settings.qemuBinary(), "qemu_img", settings.qemuImg()).entrySet()) {
      Commands.Result r =
          Commands.run(List.of(tool.getValue(), "--version"), null, Duration.ofSeconds(20));
      if (!r.ok()) {
        problems.add(
            key
                + tool.getKey()
                + ": '"
                + tool.getValue()
                + "' does not run ("
                + r.output()
                + "); on Debian: apt-get install qemu-system-x86 qemu-utils");
      }
    }
    // Corral's VM names are at most 23 characters (corral-build-xxxxxxxxxx); 32 leaves room.
    int socketPath =
        vmsDir.toAbsolutePath().normalize().toString().length() + 1 + 32 + "/qmp.sock".length();
    if (socketPath > MAX_SOCKET_PATH) {
      problems.add(
          key
              + "vms_dir: "
              + vmsDir.toAbsolutePath().normalize()
              + " is too long for QMP sockets ("
              + socketPath
              + " > "
              + MAX_SOCKET_PATH
              + " characters); choose a shorter directory");
    }
    return problems;
  }
}
