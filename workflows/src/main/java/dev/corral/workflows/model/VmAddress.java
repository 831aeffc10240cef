package dev.corral.workflows.model;

/** How a ready VM is reached, as the provider reports it. */
public record VmAddress(String hostname, String ip) {}
