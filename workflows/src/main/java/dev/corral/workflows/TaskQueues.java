package dev.corral.workflows;

/** Task queue names, built in one place so workers and stubs can never disagree. */
public final class TaskQueues {
  /** Workflow tasks and database (inventory) activities. */
  public static final String WORKFLOWS = "corral-workflows";

  /**
   * Each provider gets its own activity queue, so one slow or failing hypervisor cannot starve the
   * others, and its worker's concurrency caps the calls made to it.
   */
  public static String provider(String providerName) {
    return "corral-provider-" + providerName;
  }

  private TaskQueues() {}
}
