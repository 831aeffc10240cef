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
    List<PoolConfig> pools,
    Map<String, TemplateGroupConfig> templateGroups,
    TrackerConfig tracker,
    AuthConfig auth,
    QuotaConfig quotas,
    ReconcileConfig reconcile,
    MetricsConfig metrics,
    LoggingConfig logging) {

  public CorralConfig {
    metrics = metrics == null ? MetricsConfig.NONE : metrics;
    auth = auth == null ? AuthConfig.NONE : auth;
    logging = logging == null ? LoggingConfig.DEFAULTS : logging;
    reconcile = reconcile == null ? ReconcileConfig.DEFAULTS : reconcile;
    quotas = quotas == null ? QuotaConfig.NONE : quotas;
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    pools = List.copyOf(pools);
    templateGroups = Collections.unmodifiableMap(new LinkedHashMap<>(templateGroups));
  }

  /** A config without auth, quotas or a metrics export, with the reconciler's and the logs' defaults. */
  public CorralConfig(
      Path dataDir,
      ServerConfig server,
      DatabaseConfig database,
      TemporalConfig temporal,
      Map<String, ProviderConfig> providers,
      List<PoolConfig> pools,
      Map<String, TemplateGroupConfig> templateGroups,
      TrackerConfig tracker) {
    this(dataDir, server, database, temporal, providers, pools, templateGroups, tracker, AuthConfig.NONE,
        QuotaConfig.NONE, ReconcileConfig.DEFAULTS, MetricsConfig.NONE, LoggingConfig.DEFAULTS);
  }

  /** A config without template groups or tracker sources: pools use fixed templates. */
  public CorralConfig(
      Path dataDir,
      ServerConfig server,
      DatabaseConfig database,
      TemporalConfig temporal,
      Map<String, ProviderConfig> providers,
      List<PoolConfig> pools) {
    this(dataDir, server, database, temporal, providers, pools, Map.of(), TrackerConfig.NONE);
  }

  /** Finds a pool by its name or by one of its aliases. */
  public Optional<PoolConfig> poolByNameOrAlias(String nameOrAlias) {
    return pools.stream()
        .filter(p -> p.name().equals(nameOrAlias) || p.alias().contains(nameOrAlias))
        .findFirst();
  }
}
