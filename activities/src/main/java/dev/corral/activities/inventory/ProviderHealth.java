package dev.corral.activities.inventory;

import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmOutcome;
import dev.corral.workflows.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's circuit breaker, read from its VMs' latest outcomes in the database, so that every
 * Corral instance sees the same state without sharing memory. After {@link #FAILING_AFTER} VMs in a
 * row failed all their tries the provider is failing: placement skips it while another provider can
 * take the VMs. {@link #RETRY_AFTER} after its last failure it is half-open: one VM at a time may
 * try it again, and that VM's outcome closes or reopens it.
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

  private static final Logger log = LoggerFactory.getLogger(ProviderHealth.class);

  /** The state this process last saw each provider in, to log changes once. */
  private static final Map<String, State> LAST_SEEN = new ConcurrentHashMap<>();

  private ProviderHealth() {}

  /**
   * Logs a change of a provider's circuit as this process notices it: when a VM's failure opens it,
   * and when placement finds it half-open or ok again. The state lives in the database, so every
   * instance notices (and logs) changes on its own; the first look at a provider that is ok logs
   * nothing.
   */
  public static void noticed(String provider, Status status) {
    State before = LAST_SEEN.put(provider, status.state());
    if (before == status.state() || (before == null && status.state() == State.OK)) {
      return;
    }
    switch (status.state()) {
      case FAILING ->
          EventLog.warn(
              log,
              "provider failing: its last "
                  + FAILING_AFTER
                  + " VMs failed all their tries; placement skips it until "
                  + status.retryAt(),
              EventLog.PROVIDER,
              provider);
      case HALF_OPEN ->
          EventLog.info(
              log, "provider half-open: one trial VM at a time", EventLog.PROVIDER, provider);
      case OK ->
          EventLog.info(
              log, "provider ok again: a VM on it became ready", EventLog.PROVIDER, provider);
    }
  }

  public static Status of(VmMapper vms, String provider, Instant now) {
    List<VmOutcome> outcomes = vms.recentOutcomesOnProvider(provider, FAILING_AFTER);
    if (outcomes.size() < FAILING_AFTER || !outcomes.stream().allMatch(VmOutcome::failed)) {
      return new Status(State.OK, null);
    }
    Instant retryAt = outcomes.get(0).at() == null ? now : outcomes.get(0).at().plus(RETRY_AFTER);
    return new Status(now.isBefore(retryAt) ? State.FAILING : State.HALF_OPEN, retryAt);
  }
}
