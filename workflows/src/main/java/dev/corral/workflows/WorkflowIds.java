package dev.corral.workflows;

/**
 * Workflow ids are derived from domain names so that starting the same thing twice finds the
 * running workflow instead of creating a second one (one shepherd per pool, one life per VM).
 */
public final class WorkflowIds {
  public static String shepherd(String pool) {
    return "shepherd/" + pool;
  }

  public static String vm(String vmName) {
    return "vm/" + vmName;
  }

  /**
   * One preparation chain per (group, provider, source template): a second start while one runs
   * finds it; a retry after it closed is a new run under the same id, so the Temporal UI lists
   * every attempt.
   */
  public static String build(String group, String provider, String sourceTemplate) {
    return "build/" + group + "/" + provider + "/" + sourceTemplate;
  }

  /** One filling workflow per pending lease; lease ids are never reused. */
  public static String leaseWait(String leaseId) {
    return "lease/" + leaseId;
  }

  /** One workflow per VM task (snapshot, revert, disk); task ids are never reused. */
  public static String vmTask(String taskId) {
    return "vm-task/" + taskId;
  }

  /** One reconciler loop per provider; several Corral instances on one Temporal share it. */
  public static String reconcile(String provider) {
    return "reconcile/" + provider;
  }

  /** The one tracker loop of a Corral installation. */
  public static String tracker() {
    return "tracker";
  }

  private WorkflowIds() {}
}
