package dev.corral.activities.inventory;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.EventLog;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retires a VM found lost or dead from outside its own workflow (the start-up sweep, the
 * reconciler): one compare-and-set to destroying in the database, then the VM's workflow is told,
 * so a VM that was released or retired meanwhile is left as it is.
 */
public final class DeadVms {
  private static final Logger log = LoggerFactory.getLogger(DeadVms.class);

  private DeadVms() {}

  /** The VM's row after the move, or null when it was no longer in one of {@code from}. */
  public static VmRow retire(
      Db db,
      VmWorkflows vmWorkflows,
      String vmName,
      List<String> from,
      String reason,
      Instant now) {
    VmRow row =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              return vms.transition(vmName, from, VmStates.DESTROYING, reason, now) == 1
                  ? vms.selectByName(vmName)
                  : null;
            });
    if (row == null) {
      return null;
    }
    try {
      vmWorkflows.retire(row, reason);
    } catch (RuntimeException e) {
      // The shepherd re-requests destroys that stay unconfirmed.
      EventLog.warn(
          log,
          "could not tell the VM's workflow to retire it: " + e.getMessage(),
          EventLog.VM,
          vmName,
          EventLog.POOL,
          row.pool());
    }
    return row;
  }
}
