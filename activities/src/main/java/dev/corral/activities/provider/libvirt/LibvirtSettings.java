package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.ProviderSettings;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Knobs of the libvirt provider: one libvirt host, its storage pool holding the templates and the
 * VMs' linked clones, and how guests are reached.
 *
 * @param uri the libvirt connection URI ({@code qemu:///system}, {@code
 *     qemu+ssh://user@host/system}, {@code qemu+tls://host/system})
 * @param storagePool the libvirt storage pool (on that host) holding templates and VM disks
 * @param network {@code user} (user-mode networking with forwards on the host's 127.0.0.1) or the
 *     name of a libvirt network; null when {@code bridge} is set
 * @param bridge a host bridge the guests join; null unless set
 * @param accel {@code tcg} (domain type qemu, works everywhere) or {@code kvm}
 * @param kernel direct kernel boot when set: a path on the libvirt host; otherwise the disk boots
 * @param initrd the initrd for direct kernel boot, a path on the libvirt host
 * @param kernelArgs the kernel command line for direct kernel boot
 * @param memoryMb guest memory of a VM whose pool names none
 * @param cpus virtual CPUs of a VM whose pool names none
 * @param ports guest TCP ports by the name a lease reply gives them; in user mode each is forwarded
 *     from a loopback port of the host, otherwise it is reached on the guest's address
 * @param consoleLogDir where (on the libvirt host) each VM's serial console is logged
 * @param scope what the Corral metadata of this provider's domains says; domains of another scope
 *     are never listed, adopted or destroyed. Null means the provider's name.
 * @param keepaliveIntervalSeconds how often an idle connection is probed
 * @param keepaliveCount unanswered probes after which the connection counts as dropped
 */
public record LibvirtSettings(
    String uri,
    String storagePool,
    String network,
    String bridge,
    String accel,
    String kernel,
    String initrd,
    String kernelArgs,
    int memoryMb,
    int cpus,
    Map<String, Integer> ports,
    String consoleLogDir,
    String scope,
    int keepaliveIntervalSeconds,
    int keepaliveCount)
    implements ProviderSettings {

  public static final String DEFAULT_URI = "qemu:///system";
  public static final String USER_NETWORK = "user";
  public static final List<String> ACCELS = List.of("tcg", "kvm");
  public static final String DEFAULT_ACCEL = "tcg";
  public static final int DEFAULT_MEMORY_MB = 128;
  public static final int DEFAULT_CPUS = 1;
  public static final String DEFAULT_CONSOLE_LOG_DIR = "/var/log/libvirt/qemu";
  public static final int DEFAULT_KEEPALIVE_INTERVAL_SECONDS = 5;
  public static final int DEFAULT_KEEPALIVE_COUNT = 3;

  public LibvirtSettings {
    // The order written is the order lease replies list them in.
    ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
  }

  /** Settings with the defaults for everything but the host, its pool and the guest's kernel. */
  public static LibvirtSettings of(String uri, String storagePool, String kernel, String initrd) {
    return new LibvirtSettings(
        uri,
        storagePool,
        USER_NETWORK,
        null,
        DEFAULT_ACCEL,
        kernel,
        initrd,
        GuestContract.KERNEL_ARGS,
        DEFAULT_MEMORY_MB,
        DEFAULT_CPUS,
        GuestContract.DEFAULT_PORTS,
        DEFAULT_CONSOLE_LOG_DIR,
        null,
        DEFAULT_KEEPALIVE_INTERVAL_SECONDS,
        DEFAULT_KEEPALIVE_COUNT);
  }

  /** User-mode networking: guests are reached through loopback forwards on the libvirt host. */
  public boolean userNetwork() {
    return bridge == null && USER_NETWORK.equals(network);
  }

  public LibvirtSettings withScope(String newScope) {
    return new LibvirtSettings(
        uri,
        storagePool,
        network,
        bridge,
        accel,
        kernel,
        initrd,
        kernelArgs,
        memoryMb,
        cpus,
        ports,
        consoleLogDir,
        newScope,
        keepaliveIntervalSeconds,
        keepaliveCount);
  }
}
