package dev.corral.activities.store.rows;

import java.util.List;

/** The states a VM row moves through. */
public final class VmStates {
  public static final String PROVISIONING = "provisioning";
  public static final String READY = "ready";
  public static final String LEASED = "leased";

  /**
   * Released by its owner in a {@code reuse: same_owner} pool: the provider's cleanup hook runs.
   */
  public static final String CLEANING = "cleaning";

  /**
   * Cleaned and held for its last owner's next lease until {@code reusable_until}; not ready stock.
   */
  public static final String REUSABLE = "reusable";

  public static final String DESTROYING = "destroying";
  public static final String DESTROYED = "destroyed";
  public static final String FAILED = "failed";

  /** States in which the VM exists (or may exist) on its provider and counts against its limits. */
  public static final List<String> LIVE =
      List.of(PROVISIONING, READY, LEASED, CLEANING, REUSABLE, DESTROYING);

  public static final List<String> ALL =
      List.of(PROVISIONING, READY, LEASED, CLEANING, REUSABLE, DESTROYING, DESTROYED, FAILED);

  private VmStates() {}
}
