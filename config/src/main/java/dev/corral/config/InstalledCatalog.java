package dev.corral.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;

/** The {@link ProviderCatalog}s on the class path, merged; looked up once, on first use. */
final class InstalledCatalog {
  static final ProviderCatalog CATALOG = load();

  private InstalledCatalog() {}

  private static ProviderCatalog load() {
    Map<String, ProviderSettingsBinder> binders = new LinkedHashMap<>();
    for (ProviderCatalog c :
        ServiceLoader.load(ProviderCatalog.class, ProviderCatalog.class.getClassLoader())) {
      c.binders().forEach(binders::putIfAbsent);
    }
    Map<String, ProviderSettingsBinder> all = Collections.unmodifiableMap(binders);
    return () -> all;
  }
}
