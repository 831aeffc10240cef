package dev.corral.workflows.model;

import java.time.Duration;
import java.util.List;

/**
 * What the shepherd should do now for one pool, computed from the database in one read.
 *
 * @param toProvision VMs missing to reach the pool's size (ready + provisioning = size)
 * @param retire VMs to destroy, each with the reason (surplus, past ready_ttl, lease ended, pool
 *     removed)
 * @param recheckAfter when the next deadline (a ready_ttl or a lease expiry) falls, capped to the
 *     poll interval
 * @param drained the pool is gone from the config and has no VM left: the shepherd may stop
 */
public record PoolPlan(
    String pool,
    int toProvision,
    List<VmRetirement> retire,
    Duration recheckAfter,
    boolean drained) {

  public PoolPlan {
    retire = List.copyOf(retire);
  }
}
