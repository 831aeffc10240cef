package dev.corral.activities.reconcile;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * Paces a reconcile-now, which checks every VM back to back. On a busy machine the work it does
 * (its own CPU and the database's for its queries) comes out of the lease path: in ReconcileBench,
 * reconcile-nows run one after another cost 23 % of the lease rate. Resting {@link #REST_PER_WORK}
 * times as long as it worked keeps it to about a quarter of its unpaced load, while 10,000
 * simulated VMs still take a few seconds.
 *
 * <p>"Worked" is wall time minus the time provider calls spent waiting (their wall time beyond this
 * thread's CPU), so a provider whose calls wait on the network is not slowed down by the pacing: it
 * is the provider's own limits that bound those. Used from one thread; a tick of the staggered loop
 * is already spread over the window and uses {@link #NONE}.
 */
final class NowPace {
  static final int REST_PER_WORK = 3;

  /** Rest after about this many VMs, so that no burst of work is long. */
  static final int VMS_PER_REST = 200;

  static final NowPace NONE = new NowPace(false);
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final boolean on;
  private long since;
  private long waited;
  private int vms;

  private NowPace(boolean on) {
    this.on = on;
    this.since = System.nanoTime();
  }

  static NowPace forReconcileNow() {
    return new NowPace(true);
  }

  /** Runs one provider call, counting the time it waited rather than worked. */
  <T> T provider(Supplier<T> call) {
    if (!on) {
      return call.get();
    }
    long wall = System.nanoTime();
    long cpu = threadCpu();
    try {
      return call.get();
    } finally {
      waited += Math.max(0, (System.nanoTime() - wall) - (threadCpu() - cpu));
    }
  }

  /** Counts one VM checked, resting every {@link #VMS_PER_REST}. */
  void vmDone() {
    if (on && ++vms % VMS_PER_REST == 0) {
      rest();
    }
  }

  /** Rests for {@link #REST_PER_WORK} times the work done since the last rest. */
  void rest() {
    if (!on) {
      return;
    }
    long worked = Math.max(0, System.nanoTime() - since - waited);
    long restNanos = worked * REST_PER_WORK;
    try {
      Thread.sleep(restNanos / 1_000_000, (int) (restNanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread()
          .interrupt(); // stop resting; the pass goes on and whoever interrupted sees the flag
    }
    since = System.nanoTime();
    waited = 0;
  }

  private static long threadCpu() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
  }
}
