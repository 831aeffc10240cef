package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.simulated.Faults.Fault;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The course of every simulated call that takes time. One lock guards the whole hypervisor, and it
 * must not be held while a call sleeps, or one slow clone would stall every other call. So a call
 *
 * <ol>
 *   <li>under the lock, checks and decides: whether it has anything to do at all, whether it will
 *       fail, how long it takes, and what must exist while it runs (a VM being made);
 *   <li>sleeps without the lock;
 *   <li>under the lock again, checks that what it acts on is still there (it may have been
 *       destroyed meanwhile), then fails as decided or applies its change.
 * </ol>
 *
 * Deciding the failure before the sleep keeps the random draws in call order, so a seed replays a
 * run.
 */
final class TimedCall {
  private static final Logger log = LoggerFactory.getLogger(TimedCall.class);

  /**
   * What the first half decided: {@link #done} returns at once, neither sleeping nor failing (a
   * repeated call with nothing to do); {@link #take} sleeps {@code time} and hands the plan to the
   * second half.
   *
   * @param fault the failure decided for this call, or null
   * @param vm the VM the call works on; one still CREATING is left BROKEN if the sleep is
   *     interrupted
   * @param interrupted the transient failure's message when the sleep is interrupted
   */
  record Plan<T>(T result, Duration time, Fault fault, SimVm vm, String interrupted) {
    static <T> Plan<T> done(T result) {
      return new Plan<>(result, null, null, null, null);
    }

    static <T> Plan<T> take(Duration time, Fault fault, SimVm vm, String interrupted) {
      return new Plan<>(null, time, fault, vm, interrupted);
    }

    static <T> Plan<T> take(Duration time, Fault fault, String interrupted) {
      return take(time, fault, null, interrupted);
    }

    boolean isDone() {
      return time == null;
    }

    boolean fails() {
      return fault != null;
    }
  }

  private final HypervisorState state;
  private final Sleeper sleeper;

  TimedCall(HypervisorState state, Sleeper sleeper) {
    this.state = state;
    this.sleeper = sleeper;
  }

  /**
   * Runs {@code begin} and {@code end} under the lock and the plan's sleep between them without it.
   */
  <T> T run(Supplier<Plan<T>> begin, Function<Plan<T>, T> end) {
    Plan<T> plan;
    synchronized (state) {
      plan = begin.get();
    }
    if (plan.isDone()) {
      return plan.result();
    }
    try {
      pause(plan.time());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      synchronized (state) {
        state.breakIfCreating(plan.vm());
      }
      log.info("{}", plan.interrupted());
      throw ProviderException.transientFailure(plan.interrupted());
    }
    synchronized (state) {
      return end.apply(plan);
    }
  }

  /** A pending interrupt fails even a call that takes no time, as a real blocking call would. */
  private void pause(Duration d) throws InterruptedException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedException();
    }
    if (d.isZero() || d.isNegative()) {
      return;
    }
    sleeper.sleep(d);
  }
}
