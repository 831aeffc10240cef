package dev.corral.workflows.model;

import java.time.Duration;

/**
 * One VM task to carry out; everything else about it is read from the database when it is claimed.
 *
 * @param taskId the task ({@code vm_task.id})
 * @param recheck how long a task waiting behind an earlier task of its VM waits without a wake-up
 *     before it looks again
 */
public record VmTaskInput(String taskId, Duration recheck) {}
