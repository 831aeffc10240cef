package dev.corral.workflows.model;

/** A VM task's provider call is over: {@code failureReason} null means it succeeded. */
public record VmTaskResult(String taskId, String failureReason) {}
