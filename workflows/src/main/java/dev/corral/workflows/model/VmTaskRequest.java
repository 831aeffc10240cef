package dev.corral.workflows.model;

/**
 * One provider call of a VM task.
 *
 * @param taskId the snapshot's id for a snapshot, the disk's id for a disk: what makes a repeated
 *     call a no-op
 * @param argument the snapshot id of a revert, the size in GB of a disk; null for a snapshot
 */
public record VmTaskRequest(String provider, String vm, String taskId, String argument) {}
