package dev.corral.workflows.model;

import java.time.Duration;
import java.time.Instant;

/**
 * One pending lease to fill.
 *
 * @param leaseId the lease (state {@code pending} in the database)
 * @param waitUntil when the lease fails if it is not filled by then
 * @param recheck how long to wait without a wake-up before looking at the ready VMs again
 */
public record LeaseWaitInput(String leaseId, Instant waitUntil, Duration recheck) {}
