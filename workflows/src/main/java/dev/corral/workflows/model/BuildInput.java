package dev.corral.workflows.model;

import java.util.Map;

/**
 * One preparation build, as recorded in the database before its workflow starts.
 *
 * @param buildId the build's row; every step reports against it
 * @param vmName the VM the chain deploys, derived from the build so that a repeated deploy finds it
 * @param resultTemplate the name the prepared template gets on the provider
 * @param expectedVersion the version the source template was recorded with; null for nightlies
 * @param configure the template group's configuration for the configure step
 */
public record BuildInput(
    long buildId,
    String group,
    String provider,
    String sourceTemplate,
    String expectedVersion,
    String vmName,
    String resultTemplate,
    Map<String, String> configure) {}
