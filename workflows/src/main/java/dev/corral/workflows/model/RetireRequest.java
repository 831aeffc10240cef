package dev.corral.workflows.model;

import java.util.List;

public record RetireRequest(String pool, List<VmRetirement> vms) {
  public RetireRequest {
    vms = List.copyOf(vms);
  }
}
