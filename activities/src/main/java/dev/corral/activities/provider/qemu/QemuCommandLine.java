package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.workflows.model.VmShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The {@code qemu-system-x86_64} command that starts one VM from its directory. */
final class QemuCommandLine {
  private QemuCommandLine() {}

  /** {@code shape}'s memory and CPUs win over the provider's defaults. */
  static List<String> of(QemuSettings settings, VmShape shape, VmDir vm) {
    int memoryMb = shape.memoryMb() != null ? shape.memoryMb() : settings.memoryMb();
    int cpus = shape.cpus() != null ? shape.cpus() : settings.cpus();
    List<String> cmd = new ArrayList<>();
    cmd.add(settings.qemuBinary());
    // process=... names the process in ps/top, so an operator can tell which VM a QEMU is.
    cmd.addAll(List.of("-name", "guest=" + vm.name() + ",process=corral-" + vm.name()));
    if ("kvm".equals(settings.accel())) {
      cmd.addAll(List.of("-machine", "pc", "-accel", "kvm", "-cpu", "host"));
    } else {
      // The default translation cache is far larger than a small guest needs; 32 MiB keeps RSS near
      // 200 MiB.
      cmd.addAll(List.of("-machine", "pc", "-accel", "tcg,tb-size=32", "-cpu", "max"));
    }
    cmd.addAll(List.of("-smp", Integer.toString(cpus), "-m", Integer.toString(memoryMb)));
    cmd.addAll(List.of("-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"));
    if (settings.kernel() != null) {
      cmd.addAll(List.of("-kernel", settings.kernel().toAbsolutePath().toString()));
      if (settings.initrd() != null) {
        cmd.addAll(List.of("-initrd", settings.initrd().toAbsolutePath().toString()));
      }
      cmd.addAll(List.of("-append", GuestContract.KERNEL_ARGS));
    }
    cmd.addAll(
        List.of(
            "-drive",
            "file=" + vm.disk() + ",format=qcow2,if=virtio,cache=writeback,discard=unmap"));
    // restrict=on cuts the guest off from everything but its forwards. Host port 0 lets the kernel
    // pick a free
    // port, read back over QMP afterwards: guessing one races with every other process on the host.
    StringBuilder net = new StringBuilder("user,id=n0,restrict=on");
    for (Map.Entry<String, Integer> port : settings.ports().entrySet()) {
      net.append(",hostfwd=tcp:127.0.0.1:0-:").append(port.getValue());
    }
    cmd.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=n0"));
    cmd.addAll(
        List.of("-chardev", "file,id=ser0,path=" + vm.serialLog(), "-serial", "chardev:ser0"));
    cmd.addAll(List.of("-qmp", "unix:" + vm.qmpSocket() + ",server=on,wait=off"));
    cmd.addAll(
        List.of("-fw_cfg", "name=" + GuestContract.INSTANCE_ID_FW_CFG + ",string=" + vm.name()));
    // -daemonize: the command returns once the VM runs (or failed to start) and QEMU outlives
    // Corral, which is
    // what lets a restarted Corral adopt its VMs instead of losing them.
    cmd.addAll(List.of("-pidfile", vm.pidFile().toString(), "-daemonize"));
    return cmd;
  }
}
