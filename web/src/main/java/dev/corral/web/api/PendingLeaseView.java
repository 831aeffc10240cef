package dev.corral.web.api;

import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.activities.store.rows.LeaseDemandRow;
import dev.corral.activities.store.rows.VmRow;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A lease that waits (or waited) for VMs, as the API shows it. While pending, {@code shortage} says
 * per pool what is missing and why, and {@code message} says it in one sentence.
 */
public record PendingLeaseView(
    String id,
    String state,
    String owner,
    String requestId,
    String origin,
    Instant createdAt,
    Instant waitUntil,
    Instant expiresAt,
    Instant endedAt,
    String failReason,
    String message,
    List<Requested> requested,
    List<LeaseView.VmView> vms,
    List<PendingLeaseStore.Shortage> shortage) {

  /**
   * One name the client asked for, with the VMs it got so far (hostnames in the order they came).
   */
  public record Requested(String name, String pool, int wanted, int held, List<String> hostnames) {}

  static PendingLeaseView of(
      PendingLeaseStore.PendingLease lease, List<PendingLeaseStore.Shortage> shortage) {
    String state = lease.lease().state();
    boolean pending = PendingLeaseStore.PENDING.equals(state);
    String message =
        pending
            ? "waiting for VMs: " + PendingLeaseStore.explain(shortage)
            : PendingLeaseStore.FAILED.equals(state)
                ? lease.waiting().failReason()
                : lease.lease().endReason();
    return new PendingLeaseView(
        lease.lease().id(),
        state,
        lease.lease().owner(),
        lease.waiting().requestId(),
        lease.waiting().origin(),
        lease.lease().createdAt(),
        lease.waiting().waitUntil(),
        // Until the lease is filled, the row's expiry is its wait deadline, not a lifetime.
        pending
                || PendingLeaseStore.FAILED.equals(state)
                || PendingLeaseStore.CANCELLED.equals(state)
            ? null
            : lease.lease().expiresAt(),
        lease.lease().endedAt(),
        lease.waiting().failReason(),
        message,
        requested(lease.demand(), lease.vms()),
        lease.vms().stream().map(LeaseView.VmView::of).toList(),
        pending ? shortage : List.of());
  }

  /**
   * Shares each pool's VMs among the names that asked for that pool, in the order they were asked.
   */
  private static List<Requested> requested(List<LeaseDemandRow> demand, List<VmRow> vms) {
    Map<String, ArrayDeque<VmRow>> byPool = new HashMap<>();
    vms.forEach(vm -> byPool.computeIfAbsent(vm.pool(), p -> new ArrayDeque<>()).add(vm));
    List<Requested> out = new ArrayList<>();
    for (LeaseDemandRow d : demand) {
      ArrayDeque<VmRow> left = byPool.getOrDefault(d.pool(), new ArrayDeque<>());
      List<String> hostnames = new ArrayList<>();
      while (hostnames.size() < d.wanted() && !left.isEmpty()) {
        VmRow vm = left.poll();
        hostnames.add(vm.hostname() == null ? vm.name() : vm.hostname());
      }
      out.add(new Requested(d.aliasRequested(), d.pool(), d.wanted(), hostnames.size(), hostnames));
    }
    return out;
  }
}
