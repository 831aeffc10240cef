package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.vsphere.Vms.Vm;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.w3c.dom.Element;

/**
 * Tasks on a leased VM: vSphere snapshots (with the guest's memory when it runs, so a revert
 * returns to a running guest), and new thin disks. Each is found again by its name: a snapshot by
 * the VM's snapshot tree, a disk by an advanced setting {@code corral.disk.<id>} written in the
 * same reconfigure call that adds it, so one property read per call settles whether it exists,
 * however many disks the VM has.
 */
final class VsphereTasks {
  /** Snapshot ids become snapshot names, disk ids file names. */
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** Disk controllers a new disk may go on, by vim25 type. */
  private static final Set<String> SCSI_CONTROLLERS =
      Set.of(
          "ParaVirtualSCSIController",
          "VirtualLsiLogicController",
          "VirtualLsiLogicSASController",
          "VirtualBusLogicController");

  /** Unit 7 is the SCSI controller's own. */
  private static final int SCSI_CONTROLLER_UNIT = 7;

  private final VsphereProvider provider;
  private final VsphereGuests guests;
  private final Sessions sessions;
  private final Vms vms;

  VsphereTasks(VsphereProvider provider, VsphereGuests guests, Sessions sessions, Vms vms) {
    this.provider = provider;
    this.guests = guests;
    this.sessions = sessions;
    this.vms = vms;
  }

  void snapshot(String vmName, String snapshotId) {
    String id = taskId(snapshotId, "snapshot");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      sessions.task(
          "snapshot " + id + " of " + vmName,
          s -> {
            if (find(s, vm.ref(), id).isEmpty()) {
              s.runTask(
                  "CreateSnapshot_Task",
                  vm.ref(),
                  VimXml.element("name", id)
                      + VimXml.element("description", "taken by Corral")
                      + "<memory>true</memory><quiesce>false</quiesce>",
                  provider.taskTimeout());
            }
            return null;
          });
    }
  }

  void revertSnapshot(String vmName, String snapshotId) {
    String id = taskId(snapshotId, "snapshot");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      sessions.task(
          "revert of " + vmName + " to " + id,
          s -> {
            ManagedObject snapshot =
                find(s, vm.ref(), id)
                    .orElseThrow(
                        () ->
                            ProviderException.permanent(
                                ErrorTypes.SNAPSHOT_NOT_FOUND,
                                vmName + " has no snapshot " + snapshotId));
            s.runTask("RevertToSnapshot_Task", snapshot, "", provider.taskTimeout());
            // A snapshot without memory reverts to a powered-off VM; a leased VM runs.
            Optional<Vm> after = vms.read(s, vm.ref());
            if (after.isPresent() && !after.get().poweredOn()) {
              provider.powerOn(s, after.get());
            }
            return null;
          });
    }
  }

  private static Optional<ManagedObject> find(VimSession s, ManagedObject vm, String name)
      throws IOException {
    Element list = s.properties(vm, "snapshot.rootSnapshotList").get("snapshot.rootSnapshotList");
    return list == null ? Optional.empty() : Templates.findSnapshot(list, name);
  }

  /** A thin disk on the VM's first SCSI controller, in the VM's own directory. */
  void addDisk(String vmName, String diskId, int sizeGb) {
    String id = taskId(diskId, "disk");
    synchronized (provider.lockOf(vmName)) {
      Vm vm = guests.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
      if (vm.corral().containsKey(diskKey(id))) {
        return;
      }
      sessions.task(
          "adding disk " + id + " to " + vmName,
          s -> {
            Map<String, Element> props =
                s.properties(vm.ref(), "config.hardware.device", "config.files.vmPathName");
            Element devices = props.get("config.hardware.device");
            String vmx =
                Optional.ofNullable(props.get("config.files.vmPathName"))
                    .map(e -> e.getTextContent().strip())
                    .orElse("");
            int controller = -1;
            Set<Integer> used = new HashSet<>();
            List<Element> all = devices == null ? List.of() : VimXml.children(devices);
            for (Element device : all) {
              if (controller < 0 && SCSI_CONTROLLERS.contains(VimXml.xsiType(device).orElse(""))) {
                controller = Integer.parseInt(VimXml.text(device, "key").orElse("-1"));
              }
            }
            for (Element device : all) {
              if (String.valueOf(controller)
                  .equals(VimXml.text(device, "controllerKey").orElse(""))) {
                VimXml.text(device, "unitNumber").map(Integer::parseInt).ifPresent(used::add);
              }
            }
            if (controller < 0) {
              throw ProviderException.permanent(
                  ErrorTypes.STEP_FAILED, vmName + " has no SCSI controller for another disk");
            }
            int unit = 0;
            while (used.contains(unit) || unit == SCSI_CONTROLLER_UNIT) {
              unit++;
            }
            if (unit > 15) {
              throw ProviderException.permanent(
                  ErrorTypes.STEP_FAILED, vmName + "'s SCSI controller has no free unit left");
            }
            s.runTask(
                "ReconfigVM_Task",
                vm.ref(),
                diskSpec(directory(vmx), vmName, id, controller, unit, sizeGb),
                provider.taskTimeout());
            return null;
          });
    }
  }

  static String diskKey(String id) {
    return "corral.disk." + id;
  }

  /** "[ds1] corral-x/corral-x.vmx" is in directory "[ds1] corral-x/". */
  private static String directory(String vmxPath) {
    int slash = vmxPath.lastIndexOf('/');
    return slash < 0 ? vmxPath + " " : vmxPath.substring(0, slash + 1);
  }

  private static String diskSpec(
      String directory, String vmName, String id, int controller, int unit, int sizeGb) {
    return "<spec><deviceChange><operation>add</operation><fileOperation>create</fileOperation>"
        + "<device xsi:type=\"VirtualDisk\"><key>-1</key>"
        + "<backing xsi:type=\"VirtualDiskFlatVer2BackingInfo\">"
        + VimXml.element("fileName", directory + vmName + "-corral-" + id + ".vmdk")
        + "<diskMode>persistent</diskMode><thinProvisioned>true</thinProvisioned></backing>"
        + "<controllerKey>"
        + controller
        + "</controllerKey><unitNumber>"
        + unit
        + "</unitNumber><capacityInKB>"
        + (long) sizeGb * 1024 * 1024
        + "</capacityInKB></device></deviceChange>"
        + Vms.option(diskKey(id), "added")
        + "</spec>";
  }

  private static String taskId(String id, String what) {
    if (id == null || !TASK_ID.matcher(id).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + id + "' is not a usable " + what + " id");
    }
    return id;
  }
}
