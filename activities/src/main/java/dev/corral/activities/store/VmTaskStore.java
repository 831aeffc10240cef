package dev.corral.activities.store;

import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.workflows.model.VmTaskClaim;
import dev.corral.workflows.model.VmTaskEnd;
import dev.corral.workflows.model.VmTaskKinds;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * VM tasks in the database. Every change to a task happens in one transaction holding its VM row's
 * lock, so a VM's tasks are claimed one at a time and never after the VM left the task's lease. No
 * Temporal call happens here.
 */
public final class VmTaskStore {
  /** The failure reason of a task whose VM was released or destroyed before or while it ran. */
  public static final String NOT_LEASED = "vm no longer leased";

  /** Snapshots a revert may name: done ones, and ones that will be done before the revert runs. */
  private static final List<String> REVERTIBLE =
      List.of(VmTaskRow.QUEUED, VmTaskRow.RUNNING, VmTaskRow.DONE);

  /** Why a new task was refused. */
  public static final class RefusedException extends RuntimeException {
    public enum Why {
      /** The VM is not (or no longer) leased under the lease the caller checked. */
      NOT_LEASED,
      /** A revert names a snapshot the VM does not have. */
      UNKNOWN_SNAPSHOT
    }

    private final Why why;

    RefusedException(Why why, String message) {
      super(message);
      this.why = why;
    }

    public Why why() {
      return why;
    }
  }

  private final Db db;

  public VmTaskStore(Db db) {
    this.db = db;
  }

  /**
   * Queues {@code task} when its VM is still leased under {@code task.leaseId()} and, for a revert,
   * has the snapshot (done, or queued or running ahead of the revert). Throws {@link
   * RefusedException} otherwise.
   */
  public VmTaskRow create(VmTaskRow task) {
    return db.inTransaction(
        session -> {
          VmTaskMapper tasks = session.getMapper(VmTaskMapper.class);
          VmRow vm = tasks.lockVm(task.vm());
          if (!leasedUnder(vm, task.leaseId())) {
            throw new RefusedException(
                RefusedException.Why.NOT_LEASED, "vm " + task.vm() + " is not leased");
          }
          if (VmTaskKinds.REVERT.equals(task.kind())
              && !tasks.hasSnapshot(task.vm(), task.argument(), REVERTIBLE)) {
            throw new RefusedException(
                RefusedException.Why.UNKNOWN_SNAPSHOT,
                "vm " + task.vm() + " has no snapshot " + task.argument());
          }
          tasks.insert(task);
          return tasks.selectById(task.id());
        });
  }

  public Optional<VmTaskRow> find(String id) {
    return Optional.ofNullable(
        db.inTransaction(s -> s.getMapper(VmTaskMapper.class).selectById(id)));
  }

  /** The VM's tasks in the order asked. */
  public List<VmTaskRow> ofVm(String vm) {
    return db.inTransaction(s -> s.getMapper(VmTaskMapper.class).selectByVm(vm));
  }

  /**
   * Queued and running tasks, in the order asked (start-up recovery starts their workflows again).
   */
  public List<VmTaskRow> unfinished() {
    return db.inTransaction(s -> s.getMapper(VmTaskMapper.class).selectUnfinished());
  }

  /** See {@code VmTaskActivities.claim}. */
  public VmTaskClaim claim(String id, Instant now) {
    return db.inTransaction(
        session -> {
          VmTaskMapper tasks = session.getMapper(VmTaskMapper.class);
          VmTaskRow unlocked = tasks.selectById(id);
          if (unlocked == null) {
            return new VmTaskClaim(
                VmTaskClaim.Decision.ENDED,
                null,
                null,
                null,
                null,
                new VmTaskEnd(id, VmTaskRow.FAILED, "no such task", null));
          }
          VmRow vm = tasks.lockVm(unlocked.vm());
          // Read again under the lock: another claim or finish of this task may have committed
          // meanwhile.
          VmTaskRow task = tasks.selectById(id);
          if (task.ended()) {
            return ended(task, null);
          }
          if (!leasedUnder(vm, task.leaseId())) {
            tasks.end(id, VmTaskRow.FAILED, NOT_LEASED, now);
            return ended(tasks.selectById(id), tasks.firstUnfinished(task.vm()));
          }
          if (VmTaskRow.QUEUED.equals(task.state())) {
            if (tasks.countUnfinishedBefore(task.vm(), task.seq()) > 0) {
              return new VmTaskClaim(
                  VmTaskClaim.Decision.WAIT,
                  task.vm(),
                  vm.provider(),
                  task.kind(),
                  task.argument(),
                  null);
            }
            tasks.markRunning(id, now);
          }
          return new VmTaskClaim(
              VmTaskClaim.Decision.RUN,
              task.vm(),
              vm.provider(),
              task.kind(),
              task.argument(),
              null);
        });
  }

  /** See {@code VmTaskActivities.finish}. */
  public VmTaskEnd finish(String id, String failureReason, Instant now) {
    return db.inTransaction(
        session -> {
          VmTaskMapper tasks = session.getMapper(VmTaskMapper.class);
          VmTaskRow unlocked = tasks.selectById(id);
          if (unlocked == null) {
            return new VmTaskEnd(id, VmTaskRow.FAILED, "no such task", null);
          }
          VmRow vm = tasks.lockVm(unlocked.vm());
          VmTaskRow task = tasks.selectById(id);
          if (!task.ended()) {
            String reason =
                failureReason != null && !leasedUnder(vm, task.leaseId())
                    ? NOT_LEASED
                    : failureReason;
            tasks.end(id, reason == null ? VmTaskRow.DONE : VmTaskRow.FAILED, reason, now);
            task = tasks.selectById(id);
          }
          return end(task, tasks.firstUnfinished(task.vm()));
        });
  }

  /**
   * Fails a task that is still queued (its workflow could not be started); returns whether it did.
   * A task that was claimed meanwhile has a workflow after all and is left alone.
   */
  public boolean failQueued(String id, String reason, Instant now) {
    return db.inTransaction(
        session -> {
          VmTaskMapper tasks = session.getMapper(VmTaskMapper.class);
          VmTaskRow task = tasks.selectById(id);
          if (task == null) {
            return false;
          }
          tasks.lockVm(task.vm());
          VmTaskRow locked = tasks.selectById(id);
          return VmTaskRow.QUEUED.equals(locked.state())
              && tasks.end(id, VmTaskRow.FAILED, reason, now) == 1;
        });
  }

  private static boolean leasedUnder(VmRow vm, String leaseId) {
    return vm != null && VmStates.LEASED.equals(vm.state()) && leaseId.equals(vm.leaseId());
  }

  private static VmTaskClaim ended(VmTaskRow task, String next) {
    return new VmTaskClaim(
        VmTaskClaim.Decision.ENDED, task.vm(), null, task.kind(), task.argument(), end(task, next));
  }

  private static VmTaskEnd end(VmTaskRow task, String next) {
    return new VmTaskEnd(task.id(), task.state(), task.failureReason(), next);
  }
}
