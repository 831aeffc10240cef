package dev.corral.workflows.model;

public record VmReady(String vm, VmAddress address) {}
