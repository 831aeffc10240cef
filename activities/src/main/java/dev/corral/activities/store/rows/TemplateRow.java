package dev.corral.activities.store.rows;

import java.time.Instant;
import java.time.LocalDate;

/**
 * One row of {@code template}: one build of a template group on one provider, raw or prepared.
 *
 * @param origin where Corral learned of it: tracker, provider or config
 */
public record TemplateRow(
    long id,
    String name,
    String provider,
    String templateGroup,
    String version,
    LocalDate buildDate,
    boolean ga,
    boolean usable,
    boolean prepared,
    Long parentId,
    Long buildId,
    String origin,
    String state,
    String stateReason,
    Instant createdAt,
    Instant updatedAt) {

  public static final String DISCOVERED = "discovered";
  public static final String PREPARING = "preparing";
  public static final String READY = "ready";
  public static final String FAILED = "failed";
  public static final String UNUSABLE = "unusable";
  public static final String OBSOLETE = "obsolete";
  public static final String DELETED = "deleted";

  public static final String FROM_TRACKER = "tracker";
  public static final String FROM_PROVIDER = "provider";
  public static final String FROM_CONFIG = "config";
  public static final String FROM_BUILD = "build";
}
