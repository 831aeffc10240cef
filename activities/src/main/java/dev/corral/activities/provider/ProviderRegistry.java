package dev.corral.activities.provider;

import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The configured providers of this process, by name, in the order of the configuration file.
 * Immutable once built; safe to share between threads.
 */
public final class ProviderRegistry implements AutoCloseable {
  private final Map<String, VmProvider> providers;
  private final Map<String, ProviderConfig> configs;

  /**
   * Wraps ready-made providers (tests use it to plug in doubles). Both maps are keyed by provider
   * name and must have the same keys.
   */
  public ProviderRegistry(Map<String, VmProvider> providers, Map<String, ProviderConfig> configs) {
    Objects.requireNonNull(providers, "providers");
    Objects.requireNonNull(configs, "configs");
    if (!providers.keySet().equals(configs.keySet())) {
      throw new IllegalArgumentException(
          "providers " + providers.keySet() + " and configs " + configs.keySet() + " differ");
    }
    this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    this.configs = Collections.unmodifiableMap(new LinkedHashMap<>(configs));
  }

  /**
   * Builds one provider per configured entry, each by its {@link ProviderTypes type}. Providers
   * keep their state under {@code dataDir} unless their settings say otherwise.
   */
  public static ProviderRegistry fromConfig(Map<String, ProviderConfig> providers, Path dataDir) {
    Map<String, VmProvider> built = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ProviderConfig> e : providers.entrySet()) {
        built.put(e.getKey(), ProviderTypes.of(e.getValue()).create(e.getValue(), dataDir));
      }
    } catch (RuntimeException ex) {
      built.values().forEach(p -> closeQuietly(p, ex));
      throw ex;
    }
    return new ProviderRegistry(built, providers);
  }

  /**
   * The provider called {@code name}.
   *
   * @throws ProviderException permanent {@link ErrorTypes#UNKNOWN_PROVIDER} if none is configured
   */
  public VmProvider get(String name) {
    VmProvider p = providers.get(name);
    if (p == null) {
      throw unknown(name);
    }
    return p;
  }

  /**
   * The configuration of the provider called {@code name}.
   *
   * @throws ProviderException permanent {@link ErrorTypes#UNKNOWN_PROVIDER} if none is configured
   */
  public ProviderConfig config(String name) {
    ProviderConfig c = configs.get(name);
    if (c == null) {
      throw unknown(name);
    }
    return c;
  }

  /** Whether a provider of that name is configured. */
  public boolean contains(String name) {
    return providers.containsKey(name);
  }

  /** All providers, in configuration order. */
  public Collection<VmProvider> all() {
    return providers.values();
  }

  /** All provider names, in configuration order. */
  public Set<String> names() {
    return providers.keySet();
  }

  /** Closes every provider, even if some fail; the first failure is rethrown. */
  @Override
  public void close() {
    RuntimeException first = null;
    for (VmProvider p : providers.values()) {
      try {
        p.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private ProviderException unknown(String name) {
    return ProviderException.permanent(
        ErrorTypes.UNKNOWN_PROVIDER,
        "no provider named '" + name + "' is configured (known: " + providers.keySet() + ")");
  }

  private static void closeQuietly(VmProvider p, RuntimeException into) {
    try {
      p.close();
    } catch (RuntimeException e) {
      into.addSuppressed(e);
    }
  }
}
