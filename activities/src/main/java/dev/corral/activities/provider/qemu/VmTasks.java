package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderException;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Tasks on a leased VM: internal qcow2 snapshots (savevm/loadvm) and hot-added disks, all over QMP.
 */
final class VmTasks {
  /** Snapshot ids become qcow2 snapshot tags, disk ids file and QMP node names. */
  private static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** A snapshot writes the guest's RAM into the image: slow under emulation. */
  static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(5);

  private final QemuSettings settings;
  private final Machines machines;

  VmTasks(QemuSettings settings, Machines machines) {
    this.settings = settings;
    this.machines = machines;
  }

  void snapshot(String vmName, String snapshotId) {
    String tag = taskId(snapshotId, "snapshot");
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    synchronized (machines.lockOf(vmName)) {
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), Machines.QMP_TIMEOUT)) {
        if (hasSnapshot(qmp, tag)) {
          return;
        }
        String out = qmp.human("savevm " + tag, SNAPSHOT_TIMEOUT);
        if (!hasSnapshot(qmp, tag)) {
          throw ProviderException.transientFailure(
              "snapshot " + tag + " of " + vmName + " failed: " + out.strip());
        }
      } catch (IOException e) {
        throw ProviderException.transientFailure("snapshot of " + vmName + ": " + e.getMessage());
      }
    }
  }

  void revertSnapshot(String vmName, String snapshotId) {
    String tag = taskId(snapshotId, "snapshot");
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    synchronized (machines.lockOf(vmName)) {
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), Machines.QMP_TIMEOUT)) {
        if (!hasSnapshot(qmp, tag)) {
          throw ProviderException.permanent(
              ErrorTypes.SNAPSHOT_NOT_FOUND, vmName + " has no snapshot " + snapshotId);
        }
        String out = qmp.human("loadvm " + tag, SNAPSHOT_TIMEOUT);
        if (out.toLowerCase().contains("error")) {
          throw ProviderException.transientFailure(
              "revert of " + vmName + " to " + tag + " failed: " + out.strip());
        }
      } catch (IOException e) {
        throw ProviderException.transientFailure("revert of " + vmName + ": " + e.getMessage());
      }
    }
  }

  private static boolean hasSnapshot(Qmp qmp, String tag) throws IOException {
    for (String line : qmp.human("info snapshots", Machines.QMP_TIMEOUT).split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length > 1 && cols[1].equals(tag)) {
        return true;
      }
    }
    return false;
  }

  /** A sparse qcow2 file in the VM's directory, hot-plugged as a virtio disk. */
  void addDisk(String vmName, String diskId, int sizeGb) {
    String id = taskId(diskId, "disk");
    VmDir vm = machines.requireRunning(vmName, ErrorTypes.VM_NOT_FOUND);
    // QMP node names are at most 31 characters and start with a letter.
    String node =
        "d" + Integer.toHexString(id.hashCode() & 0x7fffffff) + Integer.toHexString(id.length());
    synchronized (machines.lockOf(vmName)) {
      Path file = vm.extraDisk(id);
      try (Qmp qmp = Qmp.connect(vm.qmpSocket(), Machines.QMP_TIMEOUT)) {
        if (qmp.human("info block", Machines.QMP_TIMEOUT).contains(file.toString())) {
          return;
        }
        if (!Files.exists(file)) {
          Commands.Result create =
              Commands.run(
                  List.of(
                      settings.qemuImg(),
                      "create",
                      "-q",
                      "-f",
                      "qcow2",
                      file.toString(),
                      sizeGb + "G"),
                  null,
                  Machines.IMAGE_TIMEOUT);
          if (!create.ok()) {
            throw ProviderException.transientFailure(
                "creating disk " + id + " of " + vmName + ": " + create.output());
          }
        }
        qmp.execute(
            "blockdev-add",
            Map.of(
                "driver",
                "qcow2",
                "node-name",
                node,
                "file",
                Map.of("driver", "file", "filename", file.toString())),
            Machines.QMP_TIMEOUT);
        qmp.execute(
            "device_add",
            Map.of("driver", "virtio-blk-pci", "drive", node, "id", node + "-dev"),
            Machines.QMP_TIMEOUT);
      } catch (IOException e) {
        throw ProviderException.transientFailure(
            "adding disk " + id + " to " + vmName + ": " + e.getMessage());
      }
    }
  }

  private static String taskId(String id, String what) {
    if (id == null || !TASK_ID.matcher(id).matches()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED, "'" + id + "' is not a usable " + what + " id");
    }
    return id;
  }
}
