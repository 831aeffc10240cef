package dev.corral.workflows.model;

import java.time.Instant;
import java.util.List;

/**
 * What one reconcile pass over one provider found and did.
 *
 * @param checked live VMs whose presence was checked with the provider
 * @param lost VMs the database thought alive that the provider lacks, marked lost (retired)
 * @param unknownSighted VMs in Corral's name scope the database does not know, seen (first or
 *     again)
 * @param purged unknown VMs destroyed
 * @param wouldPurge unknown VMs a dry run would have destroyed
 * @param kept unknown VMs spared because they match {@code purge.allowlist}
 * @param errors provider calls that failed, one line each; their VMs are checked again next time
 */
public record ReconcilePass(
    String provider,
    Instant at,
    boolean inventoryScanned,
    int checked,
    int lost,
    int unknownSighted,
    int purged,
    int wouldPurge,
    int kept,
    List<String> errors) {

  public ReconcilePass {
    errors = List.copyOf(errors);
  }
}
