package dev.corral.activities.temporal;

import dev.corral.workflows.WorkflowIds;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes pool shepherds after a lease, a release or a VM state change. Fire-and-forget on its own
 * thread, so the lease path never waits on Temporal, and coalesced per pool, so a burst of a
 * thousand leases sends a handful of signals. A lost nudge only delays work until the shepherd's timer.
 */
public final class ShepherdNudger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShepherdNudger.class);

  private final WorkflowClient client;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final ExecutorService sender =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "shepherd-nudger");
            t.setDaemon(true);
            return t;
          });

  public ShepherdNudger(WorkflowClient client) {
    this.client = client;
  }

  public void nudge(String pool) {
    if (queued.add(pool)) {
      try {
        sender.execute(() -> send(pool));
      } catch (RuntimeException rejected) {
        queued.remove(pool);
      }
    }
  }

  private void send(String pool) {
    // Removed before sending: a change made while the signal is in flight queues another one.
    queued.remove(pool);
    try {
      client.newUntypedWorkflowStub(WorkflowIds.shepherd(pool)).signal("nudge");
    } catch (WorkflowNotFoundException gone) {
      log.debug("no shepherd runs for pool {}", pool);
    } catch (RuntimeException e) {
      log.warn("could not nudge the shepherd of pool {}: {}", pool, e.getMessage());
    }
  }

  @Override
  public void close() {
    sender.shutdown();
    try {
      sender.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
