package dev.corral.activities.temporal;

import dev.corral.workflows.WorkflowIds;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes pool shepherds after a lease, a release or a VM state change. Fire-and-forget on its own
 * thread, so the lease path never waits on Temporal; coalesced per pool and spaced at least
 * {@link #MIN_SPACING} apart, so a burst of a thousand leases costs a few shepherd passes, not a
 * thousand. A lost nudge only delays work until the shepherd's own timer.
 */
public final class ShepherdNudger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShepherdNudger.class);
  static final Duration MIN_SPACING = Duration.ofMillis(100);

  private final WorkflowClient client;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> lastSentNanos = new ConcurrentHashMap<>();
  private final ScheduledExecutorService sender =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "shepherd-nudger");
            t.setDaemon(true);
            return t;
          });

  public ShepherdNudger(WorkflowClient client) {
    this.client = client;
  }

  public void nudge(String pool) {
    if (!queued.add(pool)) {
      return;
    }
    Long last = lastSentNanos.get(pool);
    long delay = last == null ? 0 : Math.max(0, MIN_SPACING.toNanos() - (System.nanoTime() - last));
    try {
      sender.schedule(() -> send(pool), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      queued.remove(pool);
    }
  }

  private void send(String pool) {
    // Removed before sending: a change made while the signal is in flight queues another one.
    queued.remove(pool);
    lastSentNanos.put(pool, System.nanoTime());
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
    sender.shutdownNow();
  }
}
