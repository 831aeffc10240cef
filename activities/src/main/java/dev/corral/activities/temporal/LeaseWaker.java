package dev.corral.activities.temporal;

import dev.corral.activities.store.PendingLeaseStore;
import dev.corral.workflows.EventLog;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the pending leases of a pool when one of its VMs became ready (or was handed back), so they
 * claim it at once instead of at their next recheck. Fire-and-forget on its own thread, coalesced
 * per pool, so marking a VM ready never waits; the lookup is one indexed read that finds no pending
 * lease in the common case, and then nothing is signalled.
 */
public final class LeaseWaker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaseWaker.class);

  /**
   * Older leases are served first, so waking the oldest few is enough; the rest recheck on their
   * own.
   */
  static final int MAX_WOKEN = 20;

  private final PendingLeaseStore store;
  private final LeaseWaits waits;
  private final Set<String> queued = ConcurrentHashMap.newKeySet();

  /** One thread at most, and none while idle, so an instance that is never closed holds nothing. */
  private final ThreadPoolExecutor sender =
      new ThreadPoolExecutor(
          0,
          1,
          10,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "lease-waker");
            t.setDaemon(true);
            return t;
          });

  public LeaseWaker(PendingLeaseStore store, LeaseWaits waits) {
    this.store = store;
    this.waits = waits;
  }

  /** A VM of this pool became ready. */
  public void vmReady(String pool) {
    if (!queued.add(pool)) {
      return;
    }
    try {
      sender.execute(() -> wakePool(pool));
    } catch (RejectedExecutionException closed) {
      queued.remove(pool);
    }
  }

  private void wakePool(String pool) {
    // Removed before reading: a VM ready while we signal queues another round.
    queued.remove(pool);
    try {
      store.pendingForPool(pool, MAX_WOKEN).forEach(waits::wake);
    } catch (RuntimeException e) {
      EventLog.warn(
          log, "could not wake the pool's pending leases: " + e.getMessage(), EventLog.POOL, pool);
    }
  }

  @Override
  public void close() {
    sender.shutdownNow();
  }
}
