package dev.corral.workflows.model;

/**
 * The answer to a task's claim.
 *
 * @param decision whether the task runs now, waits for an earlier task of its VM, or has ended
 * @param provider the provider of the task's VM, for the provider call
 * @param argument the snapshot id of a revert, the size in GB of a disk; null for a snapshot
 * @param end set when {@code decision} is {@link Decision#ENDED}: the task was finished already, or
 *     its VM is no longer leased to the lease it was asked under
 */
public record VmTaskClaim(
    Decision decision, String vm, String provider, String kind, String argument, VmTaskEnd end) {
  public enum Decision {
    RUN,
    WAIT,
    ENDED
  }
}
