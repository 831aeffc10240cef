package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code provider}: its limits as last synced from the config, and whether an operator
 * disabled it ({@code disabledReason} set: no new clones or builds go there). One constructor:
 * MyBatis maps rows onto it by argument name.
 */
public record ProviderRow(
    String name,
    String type,
    int maxVms,
    int maxConcurrentClones,
    int maxConcurrentBuilds,
    boolean active,
    String disabledReason,
    String disabledBy,
    Instant disabledAt) {

  public boolean disabled() {
    return disabledReason != null;
  }

  /** Whether new clones and template builds may go to this provider. */
  public boolean placeable() {
    return active && !disabled();
  }
}
