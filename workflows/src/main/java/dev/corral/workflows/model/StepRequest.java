package dev.corral.workflows.model;

/** One chain step of one build; {@code step} is one of {@link BuildSteps#CHAIN}. */
public record StepRequest(BuildInput build, String step) {}
