package dev.corral.web.api;

import dev.corral.activities.store.JsonText;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.rows.VmPorts;
import dev.corral.activities.store.rows.VmRow;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A lease as the API shows it. */
public record LeaseView(
    String id,
    String state,
    String owner,
    Map<String, String> tags,
    Instant createdAt,
    Instant expiresAt,
    Instant endedAt,
    String endReason,
    List<VmView> vms) {

  /**
   * A leased VM: how to reach it and where it came from. {@code ports} names the TCP ports on
   * {@code ip} that reach the guest (a QEMU VM's forwards, e.g. {@code {"agent": 41234}}); empty
   * when the guest has its own address.
   */
  public record VmView(
      String name,
      String hostname,
      String ip,
      Map<String, Integer> ports,
      String pool,
      String provider,
      String template,
      String state) {
    static VmView of(VmRow vm) {
      return new VmView(
          vm.name(),
          vm.hostname(),
          vm.ip(),
          VmPorts.decode(vm.ports()),
          vm.pool(),
          vm.provider(),
          vm.template(),
          vm.state());
    }
  }

  public static LeaseView of(LeaseStore.Lease lease) {
    return new LeaseView(
        lease.lease().id(),
        lease.lease().state(),
        lease.lease().owner(),
        JsonText.toMap(lease.lease().tags()),
        lease.lease().createdAt(),
        lease.lease().expiresAt(),
        lease.lease().endedAt(),
        lease.lease().endReason(),
        lease.vms().stream().map(VmView::of).toList());
  }
}
