package dev.corral.workflows.model;

import java.util.Map;

/**
 * How a ready VM is reached, as the provider reports it; {@code ports} names the TCP ports on
 * {@code ip} that reach the guest (forwards of a QEMU VM), empty when the guest is reached on its
 * own address.
 */
public record VmAddress(String hostname, String ip, Map<String, Integer> ports) {
  public VmAddress {
    // Null in payloads recorded before ports existed.
    ports = ports == null ? Map.of() : Map.copyOf(ports);
  }

  public VmAddress(String hostname, String ip) {
    this(hostname, ip, Map.of());
  }
}
