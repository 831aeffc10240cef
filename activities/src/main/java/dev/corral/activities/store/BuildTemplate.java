package dev.corral.activities.store;

/** One provider's template of a build: VMs cloned from it on that provider are of the build. */
public record BuildTemplate(String provider, String template) {}
