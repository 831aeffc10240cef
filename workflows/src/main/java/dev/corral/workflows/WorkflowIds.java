package dev.corral.workflows;

/**
 * Workflow ids are derived from domain names so that starting the same thing twice finds the running
 * workflow instead of creating a second one (one shepherd per pool, one life per VM).
 */
public final class WorkflowIds {
  public static String shepherd(String pool) {
    return "shepherd/" + pool;
  }

  public static String vm(String vmName) {
    return "vm/" + vmName;
  }

  private WorkflowIds() {}
}
