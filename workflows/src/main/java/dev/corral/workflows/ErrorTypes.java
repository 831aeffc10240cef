package dev.corral.workflows;

/** {@code ApplicationFailure} types. Those in {@link #PERMANENT} are never retried by Temporal. */
public final class ErrorTypes {
  /** The provider refused or failed the clone; a fresh try may succeed, the same call will not. */
  public static final String CLONE_FAILED = "CloneFailed";

  /** The guest came up broken (crashed, powered off) while booting. */
  public static final String BOOT_FAILED = "BootFailed";

  /** The guest was not ready within the pool's boot_timeout. */
  public static final String BOOT_TIMEOUT = "BootTimeout";

  /** The provider has no room (its VM limit); placement should have prevented it. */
  public static final String CAPACITY_EXCEEDED = "CapacityExceeded";

  /** The provider named in the request is not configured in this process. */
  public static final String UNKNOWN_PROVIDER = "UnknownProvider";

  /** The provider has no template of that name. */
  public static final String TEMPLATE_NOT_FOUND = "TemplateNotFound";

  /** The guest reports another version than the template was recorded with. */
  public static final String VERSION_MISMATCH = "VersionMismatch";

  /**
   * A preparation step failed in a way repeating it will not fix (a broken configure script, say).
   */
  public static final String STEP_FAILED = "StepFailed";

  /** A released VM could not be cleaned for its owner's next lease; it is destroyed instead. */
  public static final String CLEANUP_FAILED = "CleanupFailed";

  /** The provider has no VM of that name (a VM task on a VM that was destroyed). */
  public static final String VM_NOT_FOUND = "VmNotFound";

  /** The VM has no snapshot of that id. */
  public static final String SNAPSHOT_NOT_FOUND = "SnapshotNotFound";

  /**
   * The database could not be reached, so nothing was recorded. Retried like any transient failure;
   * once an activity's tries are used up, the workflow waits for the database and calls it again
   * ({@link DatabaseOutages}), so an outage of any length costs no VM, build or step.
   */
  public static final String DATABASE_UNAVAILABLE = "DatabaseUnavailable";

  public static final String[] PERMANENT = {
    CLONE_FAILED,
    BOOT_FAILED,
    BOOT_TIMEOUT,
    CAPACITY_EXCEEDED,
    UNKNOWN_PROVIDER,
    TEMPLATE_NOT_FOUND,
    VERSION_MISMATCH,
    STEP_FAILED,
    VM_NOT_FOUND,
    SNAPSHOT_NOT_FOUND,
    CLEANUP_FAILED
  };

  private ErrorTypes() {}
}
