package dev.corral.activities.store.rows;

/** How many VMs of a pool are in one state and were cloned from one template on one provider. */
public record TemplateCount(String state, String provider, String template, int count) {}
