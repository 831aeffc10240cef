package dev.corral.config;

/**
 * How a pool picks its template from a template group: {@code version} is {@code latest} (the
 * newest usable template of the group) or a version prefix such as {@code 12.8} (the newest usable
 * template whose version is that or starts with it followed by a dot); {@code prepared} chooses
 * templates made by the preparation chain over the raw builds.
 */
public record TemplateSelector(String group, String version, boolean prepared) {
  public static final String LATEST = "latest";

  public boolean latest() {
    return LATEST.equals(version);
  }
}
