package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.ProviderSettings;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Knobs of the QEMU provider: VMs are linked clones of qcow2 templates, one {@code
 * qemu-system-x86_64} process each, reached through loopback ports forwarded to the guest.
 *
 * @param templatesDir where templates live: template {@code T} is {@code templatesDir/T.qcow2} (and
 *     prepared templates are written there)
 * @param kernel direct kernel boot when set; otherwise the disk boots itself
 * @param initrd the initrd for direct kernel boot; only with {@code kernel}
 * @param accel {@code tcg} (software emulation, works everywhere) or {@code kvm}
 * @param memoryMb guest memory of every VM
 * @param cpus virtual CPUs of every VM
 * @param vmsDir where VM directories live; null means {@code data_dir/qemu/NAME}
 * @param ports guest TCP ports forwarded to loopback, by the name a lease reply gives them
 * @param qemuBinary the system emulator to run
 * @param qemuImg the image tool to run
 */
public record QemuSettings(
    Path templatesDir,
    Path kernel,
    Path initrd,
    String accel,
    int memoryMb,
    int cpus,
    Path vmsDir,
    Map<String, Integer> ports,
    String qemuBinary,
    String qemuImg)
    implements ProviderSettings {

  public static final List<String> ACCELS = List.of("tcg", "kvm");
  public static final String DEFAULT_ACCEL = "tcg";
  public static final int DEFAULT_MEMORY_MB = 128;
  public static final int DEFAULT_CPUS = 1;

  public static final String AGENT_PORT = GuestContract.AGENT_PORT;
  public static final Map<String, Integer> DEFAULT_PORTS = GuestContract.DEFAULT_PORTS;
  public static final String DEFAULT_QEMU_BINARY = "qemu-system-x86_64";
  public static final String DEFAULT_QEMU_IMG = "qemu-img";

  public QemuSettings {
    // The order written is the order lease replies list them in.
    ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
  }

  /** Settings with the defaults for everything but where templates, kernel and initrd are. */
  public static QemuSettings of(Path templatesDir, Path kernel, Path initrd) {
    return new QemuSettings(
        templatesDir,
        kernel,
        initrd,
        DEFAULT_ACCEL,
        DEFAULT_MEMORY_MB,
        DEFAULT_CPUS,
        null,
        DEFAULT_PORTS,
        DEFAULT_QEMU_BINARY,
        DEFAULT_QEMU_IMG);
  }
}
