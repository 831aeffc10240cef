package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.XmlText;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.workflows.model.VmShape;
import java.util.Map;

/**
 * The domain definition of one VM: the pool's shape over the provider's, the guest contract's
 * instance id through fw_cfg, a console logged on the host, Corral's metadata, and the network the
 * settings choose. Pure text, so that it is checked without a host.
 */
final class DomainXml {
  /** QEMU's user-mode network device sits in a slot libvirt's own devices never take. */
  private static final String USER_NET_PCI_SLOT = "0x1e";

  private DomainXml() {}

  /**
   * @param disk the path on the host of the VM's linked clone
   * @param consoleLog the file on the host its serial console is logged to
   */
  static String of(
      LibvirtSettings settings,
      VmShape shape,
      String vmName,
      String disk,
      String consoleLog,
      VmMetadata metadata) {
    int memoryMb = shape.memoryMb() != null ? shape.memoryMb() : settings.memoryMb();
    int cpus = shape.cpus() != null ? shape.cpus() : settings.cpus();
    boolean kvm = "kvm".equals(settings.accel());
    StringBuilder x = new StringBuilder();
    x.append("<domain type='")
        .append(kvm ? "kvm" : "qemu")
        .append("' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n");
    x.append("  <name>").append(XmlText.escape(vmName)).append("</name>\n");
    x.append("  <metadata>").append(metadata.toXml(true)).append("</metadata>\n");
    x.append("  <memory unit='MiB'>").append(memoryMb).append("</memory>\n");
    x.append("  <vcpu>").append(cpus).append("</vcpu>\n");
    x.append("  <sysinfo type='fwcfg'><entry name='")
        .append(GuestContract.INSTANCE_ID_FW_CFG)
        .append("'>")
        .append(XmlText.escape(vmName))
        .append("</entry></sysinfo>\n");
    x.append("  <os><type arch='x86_64' machine='pc'>hvm</type>");
    if (settings.kernel() != null) {
      x.append("<kernel>").append(XmlText.escape(settings.kernel())).append("</kernel>");
      if (settings.initrd() != null) {
        x.append("<initrd>").append(XmlText.escape(settings.initrd())).append("</initrd>");
      }
      x.append("<cmdline>").append(XmlText.escape(settings.kernelArgs())).append("</cmdline>");
    } else {
      x.append("<boot dev='hd'/>");
    }
    x.append("</os>\n");
    x.append("  <features><acpi/>");
    if (!kvm) {
      // The default translation cache is far larger than a small guest needs; 32 MiB keeps RSS
      // near 200 MiB.
      x.append("<tcg><tb-cache unit='MiB'>32</tb-cache></tcg>");
    }
    x.append("</features>\n");
    x.append(kvm ? "  <cpu mode='host-passthrough'/>\n" : "  <cpu mode='maximum'/>\n");
    // A guest that powers off, reboots or crashes stops: a pool VM is never restarted behind
    // Corral's back, and a sealed build VM must stay off for finish.
    x.append("  <on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>");
    x.append("<on_crash>destroy</on_crash>\n");
    x.append("  <devices>\n");
    x.append(
        "    <disk type='file' device='disk'><driver name='qemu' type='qcow2' discard='unmap'/>");
    x.append("<source file='").append(XmlText.escape(disk)).append("'/>");
    x.append("<target dev='vda' bus='virtio'/></disk>\n");
    if (settings.bridge() != null) {
      x.append("    <interface type='bridge'><source bridge='")
          .append(XmlText.escape(settings.bridge()))
          .append("'/><model type='virtio'/></interface>\n");
    } else if (!settings.userNetwork()) {
      x.append("    <interface type='network'><source network='")
          .append(XmlText.escape(settings.network()))
          .append("'/><model type='virtio'/></interface>\n");
    }
    x.append("    <serial type='pty'><log file='")
        .append(XmlText.escape(consoleLog))
        .append("' append='off'/><target port='0'/></serial>\n");
    x.append("    <memballoon model='none'/>\n");
    x.append("  </devices>\n");
    if (settings.userNetwork()) {
      x.append(userNetwork(metadata.ports(), settings.ports()));
    }
    x.append("</domain>\n");
    return x.toString();
  }

  /**
   * libvirt 9 cannot forward ports of user-mode networking without passt, so QEMU gets the network
   * on its command line (the domain shows as tainted: custom-argv). The host ports are fixed in the
   * definition rather than picked by QEMU: a snapshot revert restarts QEMU, and the forwards a
   * lease reply gave out must stay the same. restrict=on cuts the guest off from everything but its
   * forwards.
   */
  private static String userNetwork(
      Map<String, Integer> hostPorts, Map<String, Integer> guestPorts) {
    StringBuilder net = new StringBuilder("user,id=corral-n0,restrict=on");
    for (Map.Entry<String, Integer> port : guestPorts.entrySet()) {
      net.append(",hostfwd=tcp:127.0.0.1:")
          .append(hostPorts.get(port.getKey()))
          .append("-:")
          .append(port.getValue());
    }
    return "  <qemu:commandline>\n"
        + "    <qemu:arg value='-netdev'/><qemu:arg value='"
        + net
        + "'/>\n"
        + "    <qemu:arg value='-device'/><qemu:arg value='virtio-net-pci,netdev=corral-n0,bus=pci.0,addr="
        + USER_NET_PCI_SLOT
        + "'/>\n"
        + "  </qemu:commandline>\n";
  }

  /** A linked clone: a qcow2 volume whose backing store is the template's image. */
  static String linkedClone(String volumeName, long capacityBytes, String backingPath) {
    return "<volume><name>"
        + XmlText.escape(volumeName)
        + "</name><capacity unit='bytes'>"
        + capacityBytes
        + "</capacity><target><format type='qcow2'/></target><backingStore><path>"
        + XmlText.escape(backingPath)
        + "</path><format type='qcow2'/></backingStore></volume>";
  }

  /**
   * A new volume; {@code readOnly} makes it 0444, as a template is: clones write into their own
   * overlays only.
   */
  static String volume(String volumeName, String format, long capacityBytes, boolean readOnly) {
    return "<volume><name>"
        + XmlText.escape(volumeName)
        + "</name><capacity unit='bytes'>"
        + capacityBytes
        + "</capacity><target><format type='"
        + format
        + "'/>"
        + (readOnly ? "<permissions><mode>0444</mode></permissions>" : "")
        + "</target></volume>";
  }

  /** An extra disk attached live, on the next free virtio target. */
  static String extraDisk(String path, String target) {
    return "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='"
        + XmlText.escape(path)
        + "'/><target dev='"
        + target
        + "' bus='virtio'/></disk>";
  }

  /** An internal snapshot, with the guest's memory when it runs. */
  static String snapshot(String snapshotName) {
    return "<domainsnapshot><name>" + XmlText.escape(snapshotName) + "</name></domainsnapshot>";
  }
}
