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

  /**
   * For tests and tools, which name only what they need: no providers and no pools (unlike an empty
   * file, which gets the built-in ones), an embedded database and Temporal, and every other section
   * as if left out. Code that builds a config for real uses the constructor, so a new component is
   * decided on everywhere.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Finds a pool by its name or by one of its aliases. */
  public Optional<PoolConfig> poolByNameOrAlias(String nameOrAlias) {
    return pools.stream()
        .filter(p -> p.name().equals(nameOrAlias) || p.alias().contains(nameOrAlias))
        .findFirst();
  }

  /** See {@link CorralConfig#builder()}. */
  public static final class Builder {
    private Path dataDir = Defaults.DATA_DIR;
    private ServerConfig server = Defaults.server();
    private DatabaseConfig database = Defaults.database();
    private TemporalConfig temporal = Defaults.temporal();
    private Map<String, ProviderConfig> providers = Map.of();
    private List<PoolConfig> pools = List.of();
    private Map<String, TemplateGroupConfig> templateGroups = Map.of();
    private TrackerConfig tracker = TrackerConfig.NONE;
    private AuthConfig auth = AuthConfig.NONE;
    private QuotaConfig quotas = QuotaConfig.NONE;
    private ReconcileConfig reconcile = ReconcileConfig.DEFAULTS;
    private MetricsConfig metrics = MetricsConfig.NONE;
    private LoggingConfig logging = LoggingConfig.DEFAULTS;

    private Builder() {}

    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    public Builder server(ServerConfig server) {
      this.server = server;
      return this;
    }

    public Builder database(DatabaseConfig database) {
      this.database = database;
      return this;
    }

    public Builder temporal(TemporalConfig temporal) {
      this.temporal = temporal;
      return this;
    }

    public Builder providers(Map<String, ProviderConfig> providers) {
      this.providers = providers;
      return this;
    }

    public Builder pools(List<PoolConfig> pools) {
      this.pools = pools;
      return this;
    }

    public Builder templateGroups(Map<String, TemplateGroupConfig> templateGroups) {
      this.templateGroups = templateGroups;
      return this;
    }

    public Builder tracker(TrackerConfig tracker) {
      this.tracker = tracker;
      return this;
    }

    public Builder auth(AuthConfig auth) {
      this.auth = auth;
      return this;
    }

    public Builder quotas(QuotaConfig quotas) {
      this.quotas = quotas;
      return this;
    }

    public Builder reconcile(ReconcileConfig reconcile) {
      this.reconcile = reconcile;
      return this;
    }

    public Builder metrics(MetricsConfig metrics) {
      this.metrics = metrics;
      return this;
    }

    public Builder logging(LoggingConfig logging) {
      this.logging = logging;
      return this;
    }

    public CorralConfig build() {
      return new CorralConfig(
          dataDir,
          server,
          database,
          temporal,
          providers,
          pools,
          templateGroups,
          tracker,
          auth,
          quotas,
          reconcile,
          metrics,
          logging);
    }
  }
}
