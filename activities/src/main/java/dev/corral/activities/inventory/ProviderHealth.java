package dev.corral.activities.inventory;

import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A provider's circuit breaker, read from its VMs' latest outcomes in the database, so that every Corral instance
 * sees the same state without sharing memory. After {@link #FAILING_AFTER} VMs in a row failed all their tries the
 * provider is failing: placement skips it while another provider can take the VMs. {@link #RETRY_AFTER} after its
 * last failure it is half-open: one VM at a time may try it again, and that VM's outcome closes or reopens it.
 */
public final class ProviderHealth {
  /** Consecutive failed VMs after which a provider counts as failing. */
  public static final int FAILING_AFTER = 3;
  /** How long a failing provider is left alone before one VM tries it again. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(60);

  public enum State {
    OK,
    /** Open: skipped by placement while another provider can take the VMs. */
    FAILING,
    /** Failing, but its cool-down is over: one trial VM at a time. */
    HALF_OPEN
  }

  /** {@code retryAt}: when a failing provider becomes half-open; null when it is not failing. */
  public record Status(State state, Instant retryAt) {
    public String key() {
      // The API shows ok | failing: half-open is still failing until a trial VM succeeds.
      return state == State.OK ? "ok" : "failing";
    }
  }

  private ProviderHealth() {}

  public static Status of(VmMapper vms, String provider, Instant now) {
    List<VmOutcome> outcomes = vms.recentOutcomesOnProvider(provider, FAILING_AFTER);
    if (outcomes.size() < FAILING_AFTER || !outcomes.stream().allMatch(VmOutcome::failed)) {
      return new Status(State.OK, null);
    }
    Instant retryAt = outcomes.get(0).at() == null ? now : outcomes.get(0).at().plus(RETRY_AFTER);
    return new Status(now.isBefore(retryAt) ? State.FAILING : State.HALF_OPEN, retryAt);
  }
}
