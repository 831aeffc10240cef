package dev.corral.activities.provider;

import java.time.LocalDate;

/**
 * A template as a provider lists it. {@code group}, {@code version} and {@code date} are what the
 * provider knows of it (tags, annotations, a naming scheme) and may be null.
 *
 * @param prepared made by Corral's preparation chain rather than uploaded as a raw build
 */
public record ProviderTemplate(
    String name, String group, String version, LocalDate date, boolean prepared) {}
