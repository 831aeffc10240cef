package dev.corral.config;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration, loaded once at start-up and never read from the environment again.
 * Providers keep the order of the file so that placement is predictable.
 */
public record CorralConfig(
    Path dataDir,
    ServerConfig server,
    DatabaseConfig database,
    TemporalConfig temporal,
    Map<String, ProviderConfig> providers,
    List<PoolConfig> pools) {

  public CorralConfig {
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    pools = List.copyOf(pools);
  }

  /** Finds a pool by its name or by one of its aliases. */
  public Optional<PoolConfig> poolByNameOrAlias(String nameOrAlias) {
    return pools.stream()
        .filter(p -> p.name().equals(nameOrAlias) || p.alias().contains(nameOrAlias))
        .findFirst();
  }
}
