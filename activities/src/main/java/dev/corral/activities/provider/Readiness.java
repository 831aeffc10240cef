package dev.corral.activities.provider;

/** The answer of one readiness probe. */
public record Readiness(State state, String hostname, String ip, String reason) {
  public enum State {
    READY,
    BOOTING,
    /** The VM will never become ready (crashed, powered off, gone); {@code reason} says why. */
    FAILED
  }

  public static Readiness ready(String hostname, String ip) {
    return new Readiness(State.READY, hostname, ip, null);
  }

  public static Readiness booting() {
    return new Readiness(State.BOOTING, null, null, null);
  }

  public static Readiness failed(String reason) {
    return new Readiness(State.FAILED, null, null, reason);
  }
}
