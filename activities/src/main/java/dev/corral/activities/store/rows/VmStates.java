package dev.corral.activities.store.rows;

import java.util.List;

/** The states a VM row moves through. */
public final class VmStates {
  public static final String PROVISIONING = "provisioning";
  public static final String READY = "ready";
  public static final String LEASED = "leased";
  public static final String DESTROYING = "destroying";
  public static final String DESTROYED = "destroyed";
  public static final String FAILED = "failed";

  /** States in which the VM exists (or may exist) on its provider and counts against its limits. */
  public static final List<String> LIVE = List.of(PROVISIONING, READY, LEASED, DESTROYING);
  public static final List<String> ALL = List.of(PROVISIONING, READY, LEASED, DESTROYING, DESTROYED, FAILED);

  private VmStates() {}
}
