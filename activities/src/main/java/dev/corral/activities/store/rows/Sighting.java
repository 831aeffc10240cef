package dev.corral.activities.store.rows;

import java.time.Instant;

/** An unknown VM a provider runs, as the reconciler has seen it so far. */
public record Sighting(
    String provider, String name, Instant firstSeenAt, Instant lastSeenAt, int sightings) {}
