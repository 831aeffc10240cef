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
 * Wakes pool shepherds. Fire-and-forget on its own thread, so the lease path never waits on
 * Temporal, and coalesced per pool (one signal in flight at a time). A lost nudge only delays work
 * until the shepherd's own timer.
 *
 * <p>Two urgencies: a VM that became ready, failed or was destroyed frees a clone slot that the next
 * wave is waiting for, so {@link #vmChanged} signals at once; leases come a thousand a second under
 * load and only start refills that take seconds to minutes, so {@link #leased} signals a pool at most
 * every {@link #LEASE_SPACING}, keeping the shepherd off the CPU the claims need.
 */
public final class ShepherdNudger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShepherdNudger.class);
  static final Duration LEASE_SPACING = Duration.ofMillis(500);

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

  /** A lease was claimed (or refused) in this pool: refill soon. */
  public void leased(String pool) {
    nudge(pool, LEASE_SPACING);
  }

  /** A VM of this pool became ready, failed or was destroyed: plan again now. */
  public void vmChanged(String pool) {
    nudge(pool, Duration.ZERO);
  }

  private void nudge(String pool, Duration spacing) {
    if (!queued.add(pool)) {
      return;
    }
    Long last = lastSentNanos.get(pool);
    long delay = last == null ? 0 : Math.max(0, spacing.toNanos() - (System.nanoTime() - last));
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
