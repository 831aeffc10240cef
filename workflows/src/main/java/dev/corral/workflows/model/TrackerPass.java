package dev.corral.workflows.model;

import java.util.List;

/**
 * What one tracker poll found and did.
 *
 * @param recorded templates inserted or updated
 * @param turnedUnusable templates newly marked unusable
 * @param buildsStarted preparation builds started
 * @param errors sources that could not be read, one line each
 */
public record TrackerPass(
    int recorded, int turnedUnusable, int buildsStarted, List<String> errors) {}
