package dev.corral.activities.temporal;

import dev.corral.workflows.EventLog;
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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes pool shepherds. Fire-and-forget on its own thread, so the lease path never waits on
 * Temporal, and coalesced per pool (one signal in flight at a time). A lost nudge only delays work
 * until the shepherd's own timer.
 *
 * <p>Two urgencies: a VM that became ready, failed or was destroyed frees a clone slot that the
 * next wave is waiting for, so {@link #vmChanged} signals at once; leases come a thousand a second
 * under load and only start refills that take seconds to minutes, so {@link #leased} signals a pool
 * at most every {@link #LEASE_SPACING}, keeping the shepherd off the CPU the claims need.
 *
 * <p>A lease never frees room on a provider. So while a pool's last provisioning found no provider
 * room ({@link #noRoom}), lease nudges for it are dropped: the pass they would start could not
 * clone anything. Any VM change, in any pool (pools may share a provider), ends that and wakes the
 * waiting pool. This memory is per process; where the API and the workers run in different
 * processes, leases simply nudge as before and a waiting pool falls back on its shepherd's timer.
 */
public final class ShepherdNudger implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ShepherdNudger.class);
  static final Duration LEASE_SPACING = Duration.ofMillis(500);

  private final WorkflowClient client;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> lastSentNanos = new ConcurrentHashMap<>();

  /** Pool → the {@link #vmChanges} count at which its provisioning last found no room. */
  private final Map<String, Long> noRoomAt = new ConcurrentHashMap<>();

  private final AtomicLong vmChanges = new AtomicLong();
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

  /**
   * A lease was claimed (or refused) in this pool: refill soon, unless no provider has room for it.
   */
  public void leased(String pool) {
    if (waitingForRoom(pool)) {
      return;
    }
    nudge(pool, LEASE_SPACING);
  }

  /** A VM of this pool became ready, failed or was destroyed: plan again now. */
  public void vmChanged(String pool) {
    vmChanges.incrementAndGet();
    nudge(pool, Duration.ZERO);
    // The change may have freed a clone slot or max_vms room on a provider other pools are waiting
    // for: wake
    // them (paced like lease nudges), or they would wait for their own timer. Each is woken once
    // per wait: a pass
    // that again finds no room registers it again.
    for (String waiting : noRoomAt.keySet()) {
      if (!waiting.equals(pool) && noRoomAt.remove(waiting) != null) {
        nudge(waiting, LEASE_SPACING);
      }
    }
  }

  /**
   * A lease of this pool got a new expiry: plan again now, so the shepherd's expiry timer follows
   * it.
   */
  public void leaseTermsChanged(String pool) {
    nudge(pool, Duration.ZERO);
  }

  /** How many VM changes this process has seen; read it before looking for provider room. */
  public long vmChangeCount() {
    return vmChanges.get();
  }

  /**
   * Provisioning for this pool found no provider room, looking after {@code vmChangeCount} VM
   * changes; until the next VM change, lease nudges for the pool are dropped.
   */
  public void noRoom(String pool, long vmChangeCount) {
    noRoomAt.put(pool, vmChangeCount);
  }

  /** Provisioning for this pool was not limited by provider room. */
  public void roomFound(String pool) {
    noRoomAt.remove(pool);
  }

  /** True while the pool's last provisioning found no room and no VM has changed since. */
  public boolean waitingForRoom(String pool) {
    Long at = noRoomAt.get(pool);
    return at != null && at == vmChanges.get();
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
      EventLog.warn(
          log, "could not nudge the pool's shepherd: " + e.getMessage(), EventLog.POOL, pool);
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
