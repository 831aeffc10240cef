package dev.corral.web.api;

/**
 * A lease's choice of build instead of pool, as Sprout's users make it: a template group, a version
 * and a date ({@code latest}, the default, for the newest version and then its newest date), and
 * optionally the provider; {@code prepared} picks templates of the preparation chain over raw
 * builds, and {@code container} (Sprout's flag) container templates only (true) or VM templates
 * only (false).
 */
public record TemplatePick(
    String group,
    String version,
    String date,
    String provider,
    Boolean prepared,
    Boolean container) {
  static final String DESCRIPTION =
      "an object {group, version (latest), date (latest), provider (any), prepared (false),"
          + " container (either)}";

  /** A pick that takes container and VM templates alike. */
  public TemplatePick(
      String group, String version, String date, String provider, Boolean prepared) {
    this(group, version, date, provider, prepared, null);
  }

  public TemplatePick {
    RequestBodies.required(group, "template.group", DESCRIPTION);
    version = version == null ? TemplateChoices.LATEST : version;
    date = date == null ? TemplateChoices.LATEST : date;
  }

  boolean preparedOrDefault() {
    return prepared != null && prepared;
  }
}
