package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Decides which simulated calls fail, and how long calls take: a failure a test forced comes first
 * (one per call, in the order forced), else a roll of the configured chance. One random generator
 * serves both, so a seed replays a whole run. Thread-safe; callers decide under the hypervisor's
 * lock, so that draws follow call order.
 */
final class Faults {
  /** A decided failure; {@code permanent} only for forced preparation steps. */
  record Fault(String reason, boolean permanent) {}

  private final SimulatedSettings settings;
  private final RandomGenerator random;
  private final Map<Operation, ArrayDeque<Fault>> forced = new EnumMap<>(Operation.class);

  Faults(SimulatedSettings settings, RandomGenerator random) {
    this.settings = settings;
    this.random = random;
    for (Operation op : Operation.values()) {
      forced.put(op, new ArrayDeque<>());
    }
  }

  /** The configured chances of the calls other than preparation steps. */
  SimulatedSettings.FailPercent percents() {
    SimulatedSettings.FailPercent fp = settings.failPercent();
    return fp != null ? fp : SimulatedSettings.FailPercent.NONE;
  }

  synchronized void force(Operation op, String reason, boolean permanent) {
    forced.get(Objects.requireNonNull(op, "op")).add(new Fault(reason, permanent));
  }

  /**
   * Whether this call of {@code op} fails, and why, or null: a forced failure first, else a roll of
   * {@code percent} (named {@code key} in the reason).
   */
  synchronized Fault next(Operation op, double percent, String key) {
    Fault f = forced.get(op).poll();
    if (f == null && roll(percent)) {
      f = new Fault("random failure (" + key + ")", false);
    }
    return f;
  }

  /** {@link #next} for a preparation step, whose chance is {@code fail_steps.<step>}. */
  Fault step(Operation op) {
    return next(op, settings.failPercentOfStep(op.step()), "fail_steps." + op.step());
  }

  /** True with probability {@code percent}/100; 0 and 100 draw nothing. */
  synchronized boolean roll(double percent) {
    if (percent <= 0) {
      return false;
    }
    if (percent >= 100) {
      return true;
    }
    return random.nextDouble() * 100.0 < percent;
  }

  /** How long a call takes this time; zero when the range is not set. */
  synchronized Duration sample(SecondsRange range) {
    if (range == null) {
      return Duration.ZERO;
    }
    return range.sample(random.nextDouble());
  }
}
