package dev.corral.activities.store.rows;

/** A template group on one provider. */
public record GroupProvider(String templateGroup, String provider) {}
