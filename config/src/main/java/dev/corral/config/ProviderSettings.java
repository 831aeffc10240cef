package dev.corral.config;

/** Type-specific provider settings; each provider type adds its own record here. */
public sealed interface ProviderSettings permits SimulatedSettings, QemuSettings {}
