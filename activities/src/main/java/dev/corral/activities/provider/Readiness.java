package dev.corral.activities.provider;

import java.util.Map;

/** The answer of one readiness probe; {@code ports} as in {@link ProviderVm#ports()}. */
public record Readiness(
    State state, String hostname, String ip, Map<String, Integer> ports, String reason) {
  public enum State {
    READY,
    BOOTING,
    /** The VM will never become ready (crashed, powered off, gone); {@code reason} says why. */
    FAILED
  }

  public Readiness {
    ports = ports == null ? Map.of() : Map.copyOf(ports);
  }

  public static Readiness ready(String hostname, String ip) {
    return ready(hostname, ip, Map.of());
  }

  public static Readiness ready(String hostname, String ip, Map<String, Integer> ports) {
    return new Readiness(State.READY, hostname, ip, ports, null);
  }

  public static Readiness booting() {
    return new Readiness(State.BOOTING, null, null, Map.of(), null);
  }

  public static Readiness failed(String reason) {
    return new Readiness(State.FAILED, null, null, Map.of(), reason);
  }
}
