package dev.corral.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Binds the {@code providers:} mapping: each provider's name, type and common limits here, its
 * type's own keys by that type's {@link ProviderSettingsBinder} from the {@link ProviderCatalog}.
 * The keys a provider may have are the ones read: the common ones ({@code type}, {@code max_vms},
 * {@code max_concurrent_clones}, {@code max_concurrent_builds}, in that order) and then those its
 * type's binder reads; so the type is read first. A provider of an unknown type gets only its
 * common keys checked, because reporting its other keys as "unknown" would bury the real mistake.
 */
final class ProviderBinder {
  // Names end up in file names (state files) and metrics labels, hence the narrow alphabet.
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private final YamlNodes nodes;
  private final Map<String, ProviderSettingsBinder> types;

  ProviderBinder(YamlNodes nodes) {
    this(nodes, ProviderCatalog.installed());
  }

  ProviderBinder(YamlNodes nodes, ProviderCatalog catalog) {
    this.nodes = nodes;
    this.types = catalog.binders();
  }

  /**
   * Every written provider is returned, even a broken one, so that pools referring to it are not
   * also reported as referring to an unknown provider.
   */
  Map<String, ProviderConfig> bind(YamlMapping section) {
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    for (String name : section.keys()) {
      if (!NAME.matcher(name).matches()) {
        nodes.problem(
            section.path(name),
            section.lineOf(name),
            "provider name must be 1-32 lowercase letters, digits, '_' or '-', starting with a letter or digit");
      }
      providers.put(name, section.bind(name, m -> provider(name, m)));
    }
    return providers;
  }

  /**
   * The one provider used when {@code providers:} is left out: a simulated hypervisor with every
   * default.
   */
  Map<String, ProviderConfig> defaults() {
    String name = Defaults.PROVIDER_NAME;
    YamlMapping none = YamlMapping.empty(nodes, SourceLines.child("providers", name), 0);
    Map<String, ProviderConfig> providers = new LinkedHashMap<>();
    providers.put(name, settings(name, Defaults.PROVIDER_TYPE, none));
    return providers;
  }

  private ProviderConfig provider(String name, YamlMapping m) {
    String type = m.get("type") == null ? null : nodes.string(m.get("type"), m.path("type"));
    String known = String.join(", ", types.keySet());
    if (m.get("type") == null) {
      nodes.problem(
          m.path("type"),
          m.lineOf("type"),
          "required key is missing" + (types.isEmpty() ? "" : " (known types: " + known + ")"));
    } else if (type != null && !types.isEmpty() && !types.containsKey(type)) {
      nodes.problem(
          m.path("type"),
          m.lineOf("type"),
          "unknown provider type '" + type + "' (known: " + known + ")");
    }
    return settings(name, type, m);
  }

  /** The common limits, then the type's own keys (when the type is known). */
  private ProviderConfig settings(String name, String type, YamlMapping m) {
    ProviderSettingsBinder binder = type == null ? null : types.get(type);
    int maxVms = m.integer("max_vms", Defaults.MAX_VMS, 1, Integer.MAX_VALUE);
    int defaultClones =
        binder == null
            ? ProviderConfig.DEFAULT_MAX_CONCURRENT_CLONES
            : binder.defaultMaxConcurrentClones();
    int maxClones = m.integer("max_concurrent_clones", defaultClones, 1, Integer.MAX_VALUE);
    // 0 is allowed: this provider hosts pools but never prepares templates.
    int maxBuilds =
        m.integer(
            "max_concurrent_builds",
            ProviderConfig.DEFAULT_MAX_CONCURRENT_BUILDS,
            0,
            Integer.MAX_VALUE);
    ProviderSettings settings = null;
    if (binder == null) {
      m.allowAnyKey();
    } else {
      settings = binder.bind(new SettingsMapping(nodes, m));
    }
    return new ProviderConfig(
        name, type == null ? "" : type, maxVms, maxClones, maxBuilds, settings);
  }
}
