package dev.corral.activities.store;

import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmTaskRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code vm_task}, in VmTaskMapper.xml. */
public interface VmTaskMapper {
  /**
   * Locks the VM's row for the rest of the transaction and returns it (null when there is none).
   * Every change to a VM's tasks happens under this lock, so claims, finishes and new tasks of one
   * VM are serialised with each other and with the VM's release.
   */
  VmRow lockVm(@Param("name") String name);

  int insert(@Param("task") VmTaskRow task);

  VmTaskRow selectById(@Param("id") String id);

  /** The VM's tasks in the order asked. */
  List<VmTaskRow> selectByVm(@Param("vm") String vm);

  /** Queued and running tasks of every VM, in the order asked. */
  List<VmTaskRow> selectUnfinished();

  /** How many of the VM's tasks asked before {@code seq} are queued or running. */
  int countUnfinishedBefore(@Param("vm") String vm, @Param("seq") long seq);

  /** The oldest queued or running task of the VM, or null. */
  String firstUnfinished(@Param("vm") String vm);

  /** Whether the VM has a snapshot task of that id in one of {@code states}. */
  boolean hasSnapshot(
      @Param("vm") String vm, @Param("id") String snapshotId, @Param("states") List<String> states);

  /** queued → running; 0 when the task was not queued. */
  int markRunning(@Param("id") String id, @Param("now") Instant now);

  /** queued or running → {@code state} (done or failed); 0 when the task had ended already. */
  int end(
      @Param("id") String id,
      @Param("state") String state,
      @Param("reason") String reason,
      @Param("now") Instant now);
}
