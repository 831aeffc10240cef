package dev.corral.config;

import java.util.Map;
import java.util.ServiceLoader;

/**
 * The provider types a program knows, as the config sees them. This module has no provider code:
 * config loading finds the catalogue with {@link ServiceLoader} ({@code
 * META-INF/services/dev.corral.config.ProviderCatalog}), which the activities module fills, so that
 * every load (start-up, {@code corral config check}, a reload) checks each provider's type and
 * settings and reports their problems with the rest.
 *
 * <p>Without a catalogue on the class path (this module on its own, as in its tests) no type can be
 * checked: any type is accepted with its common keys, and its settings stay unread (null).
 */
public interface ProviderCatalog {
  /** Each type's settings binder by type name, in the order messages list the types. */
  Map<String, ProviderSettingsBinder> binders();

  /** The catalogues on the class path, merged; empty when there is none. Looked up once. */
  static ProviderCatalog installed() {
    return InstalledCatalog.CATALOG;
  }
}
