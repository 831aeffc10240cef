package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.libvirt.Domains.Vm;
import dev.corral.workflows.ErrorTypes;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.libvirt.Domain;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Tasks on a leased VM: libvirt's internal snapshots (the guest's memory with its disks) and new
 * volumes attached live. A revert restarts QEMU from the snapshot; the forwarded ports stay the
 * same because they are fixed in the domain's definition.
 */
final class LibvirtTasks {
  /** Snapshot ids become libvirt snapshot names, disk ids volume names. */
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private static final Pattern DISK_TARGET = Pattern.compile("<target dev='(vd[a-z]+)'");

  private final LibvirtProvider provider;
  private final LibvirtGuests guests;
  private final LibvirtConnection connection;
  private final Volumes volumes;

  LibvirtTasks(
      LibvirtProvider provider,
      LibvirtGuests guests,
      LibvirtConnection connection,
      Volumes volumes) {
    this.provider = provider;
    this.guests = guests;
    this.connection = connection;
    this.volumes = volumes;
  }

  void snapshot(String vmName, String snapshotId) {
    String id = taskId(snapshotId, "snapshot");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      connection.with(
          "snapshot " + id + " of " + vmName,
          c -> {
            if (!has(vm.domain(), id)) {
              vm.domain().snapshotCreateXML(DomainXml.snapshot(id), 0);
            }
            return null;
          });
    }
  }

  void revertSnapshot(String vmName, String snapshotId) {
    String id = taskId(snapshotId, "snapshot");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      connection.with(
          "revert of " + vmName + " to " + id,
          c -> {
            if (!has(vm.domain(), id)) {
              throw ProviderException.permanent(
                  ErrorTypes.SNAPSHOT_NOT_FOUND, vmName + " has no snapshot " + snapshotId);
            }
            vm.domain().revertToSnapshot(vm.domain().snapshotLookupByName(id));
            return null;
          });
    }
  }

  private static boolean has(Domain domain, String id) throws org.libvirt.LibvirtException {
    return Arrays.asList(domain.snapshotListNames()).contains(id);
  }

  /**
   * A new qcow2 volume in the pool, attached live and to the definition on the next free target.
   */
  void addDisk(String vmName, String diskId, int sizeGb) {
    String id = taskId(diskId, "disk");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      connection.with(
          "adding disk " + id + " to " + vmName,
          c -> {
            StoragePool pool = volumes.pool(c);
            String volumeName = Volumes.extraDisk(vmName, id);
            StorageVol vol =
                volumes.find(pool, volumeName).isPresent()
                    ? volumes.find(pool, volumeName).get()
                    : pool.storageVolCreateXML(
                        DomainXml.volume(volumeName, "qcow2", sizeGb * (1L << 30), false), 0);
            String path = vol.getPath();
            String xml = vm.domain().getXMLDesc(0);
            if (xml.contains("'" + path + "'")) {
              return null;
            }
            vm.domain()
                .attachDeviceFlags(
                    DomainXml.extraDisk(path, freeTarget(xml)),
                    Domain.DeviceModifyFlags.LIVE | Domain.DeviceModifyFlags.CONFIG);
            return null;
          });
    }
  }

  /** The first virtio disk name the domain does not use yet (vda is the VM's own disk). */
  static String freeTarget(String domainXml) {
    Set<String> used = new HashSet<>();
    Matcher m = DISK_TARGET.matcher(domainXml);
    while (m.find()) {
      used.add(m.group(1));
    }
    for (char c = 'b'; c <= 'z'; c++) {
      if (!used.contains("vd" + c)) {
        return "vd" + c;
      }
    }
    throw ProviderException.permanent(ErrorTypes.STEP_FAILED, "no free virtio disk name is left");
  }

  private static String taskId(String id, String what) {
    if (id == null || !TASK_ID.matcher(id).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + id + "' is not a usable " + what + " id");
    }
    return id;
  }
}
