package dev.corral.activities.provider;

import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmTaskKinds;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which VM tasks ({@link VmTaskKinds}: snapshot, revert, disk) a provider can run, so that a task
 * its VMs cannot do is refused when it is asked for, naming the provider's limit, rather than
 * queued and failed later. Every provider supports the pool calls and the preparation chain; only
 * VM tasks may be missing.
 *
 * @param unsupported for each VM task kind the provider cannot run, the sentence saying why (e.g.
 *     "containers have no snapshots"), in {@link VmTaskKinds#ALL}'s order
 */
public record ProviderFeatures(Map<String, String> unsupported) {
  /** A provider that runs every VM task: the default. */
  public static final ProviderFeatures ALL = new ProviderFeatures(Map.of());

  public ProviderFeatures {
    Map<String, String> ordered = new LinkedHashMap<>();
    for (String kind : VmTaskKinds.ALL) {
      if (unsupported.containsKey(kind)) {
        ordered.put(kind, unsupported.get(kind));
      }
    }
    if (ordered.size() != unsupported.size()) {
      throw new IllegalArgumentException(
          "unknown VM task kinds in " + unsupported.keySet() + "; known: " + VmTaskKinds.ALL);
    }
    unsupported = Collections.unmodifiableMap(ordered);
  }

  public boolean supports(String taskKind) {
    return !unsupported.containsKey(taskKind);
  }

  /** Why the provider cannot run {@code taskKind}; empty when it can. */
  public Optional<String> limit(String taskKind) {
    return Optional.ofNullable(unsupported.get(taskKind));
  }

  /**
   * Returns when the provider runs {@code taskKind}; otherwise throws the permanent StepFailed that
   * a task asked of it anyway ends with (one queued before the API refused such tasks, or sent by
   * hand), naming the provider and its limit.
   */
  public void require(String providerName, String taskKind) {
    Optional<String> limit = limit(taskKind);
    if (limit.isPresent()) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          "provider " + providerName + " does not support " + taskKind + ": " + limit.get());
    }
  }
}
