package dev.corral.workflows.model;

/**
 * How a build ended, for the database.
 *
 * @param state succeeded, failed or cancelled
 * @param step the step that failed (null when it succeeded)
 * @param error what went wrong, as the failing step reported it
 * @param rolledBack whether delete-on-error removed the partial artefacts (false means some may be
 *     left; the reconciler will find them)
 */
public record BuildEnd(
    long buildId, String provider, String state, String step, String error, boolean rolledBack) {
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";
}
