package dev.corral.config;

/**
 * How a pool picks its template from a template group: {@code version} is {@code latest} (the
 * newest usable template of the group) or a version prefix such as {@code 12.8} (the newest usable
 * template whose version is that or starts with it followed by a dot); {@code prepared} chooses
 * templates made by the preparation chain over the raw builds; {@code container} (Sprout's flag)
 * takes only container templates (images on a container provider) when true, only VM templates when
 * false, and either when null.
 */
public record TemplateSelector(String group, String version, boolean prepared, Boolean container) {
  public static final String LATEST = "latest";

  /** A selector that takes container and VM templates alike. */
  public TemplateSelector(String group, String version, boolean prepared) {
    this(group, version, prepared, null);
  }

  public boolean latest() {
    return LATEST.equals(version);
  }
}
