package dev.corral.workflows.model;

/**
 * How a VM task ended.
 *
 * @param state {@code done} or {@code failed}
 * @param failureReason why it failed; null when done
 * @param nextTaskId the oldest unfinished task of the same VM, which may run now; null when none
 */
public record VmTaskEnd(String taskId, String state, String failureReason, String nextTaskId) {}
