package dev.corral.activities.provider;

import java.time.Instant;

/** A VM as a provider reports it. {@code hostname} and {@code ip} may be null until it has booted. */
public record ProviderVm(
    String name, String template, PowerState powerState, String hostname, String ip, Instant createdAt) {

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
