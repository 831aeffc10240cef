package dev.corral.activities.store.rows;

import java.time.Instant;

/** One time per pool, such as when its last VM became ready. */
public record PoolInstant(String pool, Instant at) {}
