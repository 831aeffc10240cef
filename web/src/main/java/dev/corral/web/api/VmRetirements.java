package dev.corral.web.api;

import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.activities.temporal.VmWorkflows;
import dev.corral.workflows.EventLog;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells VM workflows what a committed release or claim did to their VMs, off the request thread, so
 * the caller never waits on Temporal: destroy a released VM, clean and hold one for its owner's
 * reuse, or stop holding one its owner leased again. A retire signal that fails here is sent again
 * by the shepherd, which re-requests destroys that stay unconfirmed; a VM whose hold signal failed
 * is retired by the shepherd once it has been cleaning too long, and one whose leased-again signal
 * failed is kept anyway (its workflow finds it leased).
 */
public final class VmRetirements implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmRetirements.class);

  private final VmWorkflows vmWorkflows;
  private final Clock clock;
  private final ExecutorService senders =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "vm-retirements");
            t.setDaemon(true);
            return t;
          });

  public VmRetirements(VmWorkflows vmWorkflows, Clock clock) {
    this.vmWorkflows = vmWorkflows;
    this.clock = clock;
  }

  /**
   * VMs whose lease ended (as the ending transaction left them): destroying ones are destroyed,
   * cleaning ones held.
   */
  public void retireAll(List<VmRow> vms, String reason) {
    for (VmRow vm : vms) {
      if (VmStates.DESTROYING.equals(vm.state()) || VmStates.CLEANING.equals(vm.state())) {
        senders.execute(
            () -> {
              try {
                vmWorkflows.released(vm, reason, clock.instant());
              } catch (RuntimeException e) {
                EventLog.warn(
                    log,
                    "could not tell the VM's workflow it was released (the shepherd will act on it): "
                        + e.getMessage(),
                    EventLog.VM,
                    vm.name(),
                    EventLog.POOL,
                    vm.pool(),
                    EventLog.LEASE,
                    vm.leaseId());
              }
            });
      }
    }
  }

  /** Claimed VMs: those that were held for their owner's reuse stop being held. */
  public void leasedAgain(List<VmRow> vms) {
    for (VmRow vm : vms) {
      if (vm.reused()) {
        senders.execute(
            () -> {
              try {
                vmWorkflows.leasedAgain(vm);
              } catch (RuntimeException e) {
                log.debug(
                    "could not tell vm {}'s workflow it was leased again (its timer will find out): {}",
                    vm.name(),
                    e.getMessage());
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
