package dev.corral.activities.provider.simulated;

import java.time.Duration;

/** A uniform random range of seconds; {@code min == max} means a fixed delay. */
public record SecondsRange(double min, double max) {
  public static final SecondsRange ZERO = new SecondsRange(0, 0);

  public static SecondsRange fixed(double seconds) {
    return new SecondsRange(seconds, seconds);
  }

  /** Picks a duration for a uniform sample {@code u} in [0, 1). */
  public Duration sample(double u) {
    double seconds = min + (max - min) * u;
    return Duration.ofNanos((long) (seconds * 1_000_000_000L));
  }
}
