package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * One row of {@code lease_wait}: how long a pending lease waits and what it becomes when filled.
 */
public record LeaseWaitRow(
    String leaseId,
    Instant waitUntil,
    long lifetimeS,
    String requestId,
    String origin,
    String failReason) {}
