package dev.corral.activities.store.rows;

import java.time.Instant;

/**
 * Consecutive VM failures of a pool since its last VM became ready, and when the last one failed.
 */
public record FailureStreak(int failures, Instant lastFailureAt) {}
