package dev.corral.workflows.model;

import java.util.List;

/**
 * Names for new VMs of a pool. The names come from the workflow (deterministic), so a retried
 * activity reserves the same rows instead of new ones.
 */
public record ProvisionRequest(String pool, List<String> names) {
  public ProvisionRequest {
    names = List.copyOf(names);
  }
}
