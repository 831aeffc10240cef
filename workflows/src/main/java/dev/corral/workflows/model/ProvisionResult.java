package dev.corral.workflows.model;

import java.util.List;

/**
 * @param started names whose VM workflows now run
 * @param limitedBy why fewer than asked were started (a provider at max_vms or
 *     max_concurrent_clones), or null
 */
public record ProvisionResult(List<String> started, String limitedBy) {
  public ProvisionResult {
    started = List.copyOf(started);
  }
}
