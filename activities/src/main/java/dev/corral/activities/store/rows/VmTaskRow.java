package dev.corral.activities.store.rows;

import dev.corral.workflows.model.VmTaskKinds;
import java.time.Instant;
import java.util.List;

/**
 * One row of {@code vm_task}: a snapshot, revert or disk asked for on a leased VM.
 *
 * @param seq the order tasks were asked in; a VM's tasks run in this order
 * @param leaseId the lease the VM was under when asked; the task never acts on the VM outside it
 * @param kind one of {@link VmTaskKinds}
 * @param argument the snapshot id of a revert, the size in GB of a disk; null for a snapshot
 * @param requestedBy the user who asked, or null
 */
public record VmTaskRow(
    String id,
    long seq,
    String vm,
    String leaseId,
    String kind,
    String argument,
    String state,
    String failureReason,
    String requestedBy,
    Instant requestedAt,
    Instant startedAt,
    Instant endedAt) {
  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";
  public static final String DONE = "done";
  public static final String FAILED = "failed";
  public static final List<String> UNFINISHED = List.of(QUEUED, RUNNING);

  /** A new task, queued. */
  public static VmTaskRow queued(
      String id,
      String vm,
      String leaseId,
      String kind,
      String argument,
      String requestedBy,
      Instant now) {
    return new VmTaskRow(
        id, 0, vm, leaseId, kind, argument, QUEUED, null, requestedBy, now, null, null);
  }

  public boolean ended() {
    return DONE.equals(state) || FAILED.equals(state);
  }

  /** The disk's size in GB; only for a disk task. */
  public int sizeGb() {
    return Integer.parseInt(argument);
  }
}
