package dev.corral.web.temporal;

import io.temporal.internal.testservice.TestServicesStarter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

/**
 * Two things the test server's timer keeps without bound, each of which grows with every workflow
 * task:
 *
 * <ul>
 *   <li>timers of closed workflows. An activity's timeouts are never taken off the queue when the
 *       activity completes; they fire later and do nothing. Until then each holds its workflow's
 *       whole state, so a clone's 15-minute timeout keeps a VM's closed workflow in memory for 15
 *       minutes after the clone. {@link #purge} drops the timers of workflows {@link
 *       ClosedWorkflowEviction} forgot, and cancelled ones, which the timer itself drops only when
 *       they reach the head of its queue;
 *   <li>a log of every time-skipping lock and unlock, kept "for debugging purposes only" and never
 *       trimmed. {@link #install} replaces it with one that keeps the last {@link
 *       BoundedLockLog#KEPT} entries.
 * </ul>
 *
 * Reached by reflection, under the timer's own lock; see {@link ClosedWorkflowEviction} for why.
 */
final class TimerHousekeeping {
  private final Lock lock;
  private final PriorityQueue<?> tasks;
  private final Method isCancelled;
  private final Field runnable;
  private final Class<?> stateType;
  private final Map<Class<?>, List<Field>> capturedByClass = new ConcurrentHashMap<>();

  private TimerHousekeeping(Object timer) throws ReflectiveOperationException {
    this.lock = (Lock) Reflect.field(timer, "lock");
    this.tasks = (PriorityQueue<?>) Reflect.field(timer, "tasks");
    Class<?> task =
        Class.forName("io.temporal.internal.testservice.SelfAdvancingTimerImpl$TimerTask");
    this.isCancelled = task.getDeclaredMethod("isCanceled");
    this.isCancelled.setAccessible(true);
    this.runnable = Reflect.declaredField(task, "runnable");
    this.stateType = Class.forName("io.temporal.internal.testservice.TestWorkflowMutableState");
    Field events = Reflect.declaredField(timer.getClass(), "lockEvents");
    lock.lock();
    try {
      events.set(timer, new BoundedLockLog());
    } finally {
      lock.unlock();
    }
  }

  /**
   * @throws IllegalStateException naming the part of the test server that is not where this expects
   *     it
   */
  static TimerHousekeeping install(TestServicesStarter services) {
    try {
      return new TimerHousekeeping(Reflect.field(services, "selfAdvancingTimer"));
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "this Temporal test server's timer is not the one its housekeeping was"
              + " written for ("
              + e
              + "); cancelled timers would pile up",
          e);
    }
  }

  /**
   * Drops cancelled timers and the timers of {@code forgotten} workflow states (as {@link
   * ClosedWorkflowEviction} returns them); returns how many. A timer's callback is a lambda that
   * captured its workflow's state.
   */
  int purge(Set<Object> forgotten) {
    lock.lock();
    try {
      int before = tasks.size();
      tasks.removeIf(task -> cancelled(task) || belongsTo(task, forgotten));
      return before - tasks.size();
    } finally {
      lock.unlock();
    }
  }

  private boolean belongsTo(Object task, Set<Object> forgotten) {
    if (forgotten.isEmpty()) {
      return false;
    }
    try {
      Object callback = runnable.get(task);
      for (Field captured : capturedStates(callback.getClass())) {
        if (forgotten.contains(captured.get(callback))) {
          return true;
        }
      }
      return false;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read a test server timer's callback", e);
    }
  }

  /** The fields of a callback class that hold a workflow's state, found once per class. */
  private List<Field> capturedStates(Class<?> callback) {
    return capturedByClass.computeIfAbsent(
        callback,
        type -> {
          List<Field> fields = new ArrayList<>();
          for (Field field : type.getDeclaredFields()) {
            if (stateType.isAssignableFrom(field.getType())) {
              field.setAccessible(true);
              fields.add(field);
            }
          }
          return fields;
        });
  }

  int queued() {
    lock.lock();
    try {
      return tasks.size();
    } finally {
      lock.unlock();
    }
  }

  private boolean cancelled(Object task) {
    return Reflect.ask(isCancelled, task, "whether a timer task was cancelled");
  }

  /**
   * The timer's lock log, bounded. The timer removes a lock's entry when that lock is released
   * through its handle and calls it unbalanced when the entry is gone; an entry may have been
   * trimmed here, so removal always succeeds. The lock count itself, which decides whether time
   * runs, is kept by the timer apart.
   */
  static final class BoundedLockLog extends LinkedList<Object> {
    static final int KEPT = 1000;
    private static final long serialVersionUID = 1L;

    @Override
    public boolean add(Object event) {
      super.add(event);
      if (size() > KEPT) {
        removeFirst();
      }
      return true;
    }

    @Override
    public boolean remove(Object event) {
      super.remove(event);
      return true;
    }
  }
}
