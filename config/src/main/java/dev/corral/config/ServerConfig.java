package dev.corral.config;

/** Where the HTTP API listens. Port 0 asks the OS for a free port (tests use it). */
public record ServerConfig(String host, int port) {}
