package dev.corral.activities.store.rows;

/**
 * One row of {@code template_group}; {@code configure} is the configure step's settings as a JSON
 * object.
 */
public record TemplateGroupRow(
    String name, int obsoleteDays, int keepPrepared, String configure, boolean active) {}
