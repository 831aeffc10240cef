package dev.corral.web.api;

import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells VM workflows to destroy released VMs, off the request thread: the release is already
 * committed in the database, so the caller never waits on Temporal. A signal that fails here is
 * sent again by the shepherd, which re-requests destroys that stay unconfirmed.
 */
public final class VmRetirements implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmRetirements.class);

  private final VmWorkflows vmWorkflows;
  private final ExecutorService senders =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "vm-retirements");
            t.setDaemon(true);
            return t;
          });

  public VmRetirements(VmWorkflows vmWorkflows) {
    this.vmWorkflows = vmWorkflows;
  }

  public void retireAll(List<VmRow> vms, String reason) {
    for (VmRow vm : vms) {
      if (VmStates.DESTROYING.equals(vm.state())) {
        senders.execute(() -> {
          try {
            vmWorkflows.retire(vm, reason);
          } catch (RuntimeException e) {
            log.warn("could not ask for vm {} to be destroyed (the shepherd will ask again): {}", vm.name(), e.getMessage());
          }
        });
      }
    }
  }

  @Override
  public void close() {
    senders.shutdown();
    try {
      senders.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
