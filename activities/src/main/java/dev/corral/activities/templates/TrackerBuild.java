package dev.corral.activities.templates;

import java.time.LocalDate;
import java.util.List;

/** One build as a tracker document or a provider listing reports it. */
public record TrackerBuild(
    String group,
    String name,
    String version,
    LocalDate date,
    boolean ga,
    boolean usable,
    List<String> providers) {}
