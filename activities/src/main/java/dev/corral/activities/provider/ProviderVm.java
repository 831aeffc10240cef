package dev.corral.activities.provider;

import java.time.Instant;
import java.util.Map;

/**
 * A VM as a provider reports it. {@code hostname} and {@code ip} may be null until it has booted;
 * {@code ports} names the TCP ports on {@code ip} that reach the guest (the QEMU provider's
 * forwards), empty when the guest is reached on its own address.
 */
public record ProviderVm(
    String name,
    String template,
    PowerState powerState,
    String hostname,
    String ip,
    Instant createdAt,
    Map<String, Integer> ports) {

  public ProviderVm {
    ports = ports == null ? Map.of() : Map.copyOf(ports);
  }

  public ProviderVm(
      String name,
      String template,
      PowerState powerState,
      String hostname,
      String ip,
      Instant createdAt) {
    this(name, template, powerState, hostname, ip, createdAt, Map.of());
  }

  public enum PowerState {
    /** The clone is still being made. */
    CREATING,
    /** Powered on, not ready yet. */
    BOOTING,
    /** Powered on and ready. */
    RUNNING,
    POWERED_OFF,
    /** A clone or boot that failed half-way; only good for destroying. */
    BROKEN
  }
}
