package dev.corral.web.temporal;

import io.temporal.internal.testservice.TestServicesStarter;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.function.LongSupplier;

/**
 * The retention the in-memory test server lacks: it keeps every closed workflow (its state, its
 * history, its search attributes) for as long as it runs, about 17 KB per VM that Corral ever made,
 * so a server left running for months runs out of heap and slows down as its maps grow. A real
 * cluster drops closed workflows after its retention period; this does the same to executions
 * closed for longer than {@code retentionMillis}.
 *
 * <p>The test server has no API for it, so this reaches into its fields, under the same locks the
 * server takes. The Temporal version is pinned in the parent pom; {@link #of} fails with the field
 * it did not find if an upgrade renamed one, and {@code ClosedWorkflowEvictionTest} runs it against
 * the real server.
 */
final class ClosedWorkflowEviction {
  private final Lock serviceLock;
  private final Map<?, ?> executions;
  private final Map<?, ?> byWorkflowId;
  private final Map<?, ?> byFirstRunId;
  private final Lock storeLock;
  private final Map<?, ?> histories;
  private final Map<?, ?> searchAttributes;
  private final Method isTerminal;
  private final long retentionMillis;
  private final LongSupplier clock;

  /** When each closed execution was first seen closed; only ever touched by the evicting thread. */
  private final Map<Object, Long> closedSince = new HashMap<>();

  private ClosedWorkflowEviction(
      Object service, Object store, Object visibility, long retentionMillis, LongSupplier clock)
      throws ReflectiveOperationException {
    this.serviceLock = (Lock) Reflect.field(service, "lock");
    this.executions = (Map<?, ?>) Reflect.field(service, "executions");
    this.byWorkflowId = (Map<?, ?>) Reflect.field(service, "executionsByWorkflowId");
    this.byFirstRunId = (Map<?, ?>) Reflect.field(service, "executionsByFirstExecutionRunId");
    this.storeLock = (Lock) Reflect.field(store, "lock");
    this.histories = (Map<?, ?>) Reflect.field(store, "histories");
    this.searchAttributes = (Map<?, ?>) Reflect.field(visibility, "executionSearchAttributes");
    this.isTerminal =
        Class.forName("io.temporal.internal.testservice.TestWorkflowMutableState")
            .getDeclaredMethod("isTerminalState");
    this.isTerminal.setAccessible(true);
    this.retentionMillis = retentionMillis;
    this.clock = clock;
  }

  /**
   * @throws IllegalStateException naming the part of the test server that is not where this expects
   *     it
   */
  static ClosedWorkflowEviction of(
      TestServicesStarter services, long retentionMillis, LongSupplier clock) {
    try {
      Object service = services.getWorkflowService();
      return new ClosedWorkflowEviction(
          service,
          Reflect.field(service, "store"),
          Reflect.field(service, "visibilityStore"),
          retentionMillis,
          clock);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(
          "this Temporal test server's internals are not the ones closed-workflow"
              + " eviction was written for ("
              + e
              + "); closed workflows would be kept forever",
          e);
    }
  }

  /**
   * Forgets executions closed for longer than the retention; returns the states it forgot (by
   * identity), whose timers {@link TimerHousekeeping#purge} then drops.
   */
  Set<Object> evict() {
    long now = clock.getAsLong();
    List<Object> expired = new ArrayList<>();
    Set<Object> states = Collections.newSetFromMap(new IdentityHashMap<>());
    serviceLock.lock();
    try {
      for (Map.Entry<?, ?> execution : executions.entrySet()) {
        if (!terminal(execution.getValue())) {
          continue;
        }
        long since = closedSince.computeIfAbsent(execution.getKey(), k -> now);
        if (now - since >= retentionMillis) {
          expired.add(execution.getKey());
          states.add(execution.getValue());
        }
      }
      expired.forEach(executions::remove);
      // A workflow id or chain maps to its latest run: forgotten only when that run is one of these
      // closed ones.
      byWorkflowId.values().removeIf(states::contains);
      byFirstRunId.values().removeIf(states::contains);
    } finally {
      serviceLock.unlock();
    }
    if (expired.isEmpty()) {
      return states;
    }
    storeLock.lock();
    try {
      expired.forEach(histories::remove);
    } finally {
      storeLock.unlock();
    }
    expired.forEach(searchAttributes::remove);
    expired.forEach(closedSince::remove);
    return states;
  }

  /**
   * Closed executions remembered but not yet forgotten, and open ones: what the server holds now.
   */
  int executionsHeld() {
    serviceLock.lock();
    try {
      return executions.size();
    } finally {
      serviceLock.unlock();
    }
  }

  private boolean terminal(Object state) {
    return Reflect.ask(isTerminal, state, "whether a workflow is closed");
  }
}
