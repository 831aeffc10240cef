package dev.corral.web.api;

import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.workflows.model.VmTaskKinds;
import java.time.Instant;
import java.util.List;

/**
 * A VM task (snapshot, revert, disk) as the API shows it.
 *
 * @param snapshotId the snapshot a snapshot task takes (its own id) or a revert goes back to; null
 *     for a disk
 * @param sizeGb the size of a disk task's disk; null otherwise
 */
public record VmTaskView(
    String id,
    String vm,
    String kind,
    String state,
    String snapshotId,
    Integer sizeGb,
    String failureReason,
    String requestedBy,
    Instant requestedAt,
    Instant startedAt,
    Instant endedAt) {

  public static VmTaskView of(VmTaskRow t) {
    String snapshot =
        switch (t.kind()) {
          case VmTaskKinds.SNAPSHOT -> t.id();
          case VmTaskKinds.REVERT -> t.argument();
          default -> null;
        };
    Integer size = VmTaskKinds.DISK.equals(t.kind()) ? t.sizeGb() : null;
    return new VmTaskView(
        t.id(),
        t.vm(),
        t.kind(),
        t.state(),
        snapshot,
        size,
        t.failureReason(),
        t.requestedBy(),
        t.requestedAt(),
        t.startedAt(),
        t.endedAt());
  }

  /** A snapshot of a VM; {@code takenAt} is set once it is done. */
  public record SnapshotView(String id, String state, Instant takenAt) {}

  /** A disk added to a VM; {@code addedAt} is set once it is done. */
  public record DiskView(String id, int sizeGb, String state, Instant addedAt) {}

  static List<SnapshotView> snapshots(List<VmTaskRow> tasks) {
    return tasks.stream()
        .filter(t -> VmTaskKinds.SNAPSHOT.equals(t.kind()))
        .map(t -> new SnapshotView(t.id(), t.state(), doneAt(t)))
        .toList();
  }

  static List<DiskView> disks(List<VmTaskRow> tasks) {
    return tasks.stream()
        .filter(t -> VmTaskKinds.DISK.equals(t.kind()))
        .map(t -> new DiskView(t.id(), t.sizeGb(), t.state(), doneAt(t)))
        .toList();
  }

  private static Instant doneAt(VmTaskRow t) {
    return VmTaskRow.DONE.equals(t.state()) ? t.endedAt() : null;
  }
}
