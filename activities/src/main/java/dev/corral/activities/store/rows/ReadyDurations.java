package dev.corral.activities.store.rows;

import java.time.LocalDate;

/**
 * Clone and boot durations, in seconds, of the VMs of one pool that became ready on one (UTC) day:
 * clone is created_at to cloned_at (every try of the VM), boot is cloned_at to ready_at.
 */
public record ReadyDurations(
    LocalDate day,
    String pool,
    int count,
    double cloneTotal,
    double cloneMin,
    double cloneMax,
    double bootTotal,
    double bootMin,
    double bootMax) {}
