package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * How one VM's tries ended on a provider: {@code failed}, or any other state for a VM that became
 * ready; and when.
 */
public record VmOutcome(String state, Instant at) {
  public boolean failed() {
    return VmStates.FAILED.equals(state);
  }
}
