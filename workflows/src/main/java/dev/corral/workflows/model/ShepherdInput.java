package dev.corral.workflows.model;

/**
 * The shepherd's only state across continue-as-new: which pool it keeps. Everything else is read
 * from the database.
 */
public record ShepherdInput(String pool) {}
