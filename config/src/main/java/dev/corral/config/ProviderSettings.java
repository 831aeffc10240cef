package dev.corral.config;

/**
 * A provider type's own settings, as its {@link ProviderSettingsBinder} read them. Implementations
 * are records (a reload compares the running settings with the new ones) and live with their
 * provider, not in this module.
 */
public interface ProviderSettings {}
