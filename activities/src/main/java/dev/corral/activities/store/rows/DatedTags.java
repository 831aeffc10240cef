package dev.corral.activities.store.rows;

import java.time.LocalDate;

/** The tags (a JSON object as text) of one leased VM's lease, by the (UTC) day the lease began. */
public record DatedTags(LocalDate day, String tags) {}
