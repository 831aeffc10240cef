package dev.corral.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Turns the YAML node tree into {@link CorralConfig}, applying defaults and the rules that concern
 * one value at a time (ranges, formats, unknown keys). Rules that relate values to each other live
 * in {@link ConfigValidator}. When a value is wrong, its default is used so binding can continue
 * and report the rest; the result is only handed out if no problem was found.
 *
 * <p>A key the binders never ask for is unknown, and the problem lists the keys that were asked for
 * in the order they were; so the keys of a mapping are read in the order a user should see them
 * listed.
 */
final class ConfigBinder {

  /** Pool names and aliases appear in URLs and VM names. */
  static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  static final String POOL_NAME_RULE =
      "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit";

  private static final List<String> JDBC_PREFIXES = List.of("jdbc:mysql:", "jdbc:mariadb:");
  private static final Pattern HOST_PORT = Pattern.compile("(.+):(\\d{1,5})");

  /** Stands in for a pool entry that was not a mapping; compared by identity. */
  static final PoolConfig PLACEHOLDER =
      new PoolConfig(
          "",
          List.of(),
          "",
          List.of(),
          0,
          Defaults.LIFETIME,
          Defaults.LIFETIME,
          1,
          Defaults.LIFETIME,
          Defaults.LIFETIME,
          null,
          PoolLeasing.DEFAULT,
          null,
          null);

  private final YamlNodes nodes;
  private final TemplateConfigBinder templates;
  private final AccessConfigBinder access;

  ConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
    this.templates = new TemplateConfigBinder(nodes);
    this.access = new AccessConfigBinder(nodes);
  }

  /** {@code root} is null for an empty document, which means "all defaults". */
  CorralConfig bind(Node root) {
    return nodes.bind(root, "", root == null ? 0 : YamlNodes.line(root), this::root);
  }

  private CorralConfig root(YamlMapping top) {
    Path dataDir = top.filePath("data_dir", Defaults.DATA_DIR);
    ServerConfig server = top.bind("server", this::server);
    DatabaseConfig database = top.bind("database", this::database);
    TemporalConfig temporal = top.bind("temporal", this::temporal);
    Map<String, ProviderConfig> providers = providers(top);
    Map<String, TemplateGroupConfig> templateGroups = templates.templateGroups(top);
    TrackerConfig tracker = templates.tracker(top);
    List<PoolConfig> pools = pools(top, List.copyOf(providers.keySet()));
    AuthConfig auth = access.auth(top);
    QuotaConfig quotas = access.quotas(top);
    ReconcileConfig reconcile = new ReconcileConfigBinder(nodes).bind(top);
    ServerConfig.RateLimits rateLimits = rateLimits(top);
    MetricsConfig metrics = new MetricsConfigBinder(nodes).bind(top);
    LoggingConfig logging = top.bind("logging", this::logging);
    return new CorralConfig(
        dataDir,
        new ServerConfig(server.host(), server.port(), server.maxBodyBytes(), rateLimits),
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

  private LoggingConfig logging(YamlMapping m) {
    String format = m.nonEmptyString("format", "text");
    return switch (format) {
      case "text" -> new LoggingConfig(LoggingConfig.Format.TEXT);
      case "json" -> new LoggingConfig(LoggingConfig.Format.JSON);
      default -> {
        nodes.problem(
            m.path("format"), m.lineOf("format"), "must be text or json (got '" + format + "')");
        yield LoggingConfig.DEFAULTS;
      }
    };
  }

  /** Without rate limits: they are a top-level section of their own. */
  private ServerConfig server(YamlMapping m) {
    return new ServerConfig(
        m.nonEmptyString("host", Defaults.HOST),
        m.integer("port", Defaults.PORT, 0, 65535),
        m.integer("max_body_bytes", ServerConfig.DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024),
        ServerConfig.RateLimits.OFF);
  }

  /** Absent means no rate limits. */
  private ServerConfig.RateLimits rateLimits(YamlMapping top) {
    if (!top.present("rate_limits")) {
      return ServerConfig.RateLimits.OFF;
    }
    return top.bind(
        "rate_limits",
        m ->
            new ServerConfig.RateLimits(
                rate(m, "per_token"),
                rate(m, "per_address"),
                m.strings("exempt_addresses", List.of())));
  }

  private ServerConfig.Rate rate(YamlMapping parent, String key) {
    return parent.present(key) ? parent.bind(key, this::rate) : null;
  }

  private ServerConfig.Rate rate(YamlMapping m) {
    if (!m.present("requests")) {
      nodes.problem(
          m.path("requests"),
          m.lineOf("requests"),
          "is required (how many requests each caller may send per 'per')");
    }
    return new ServerConfig.Rate(
        m.integer("requests", 1, 1, 1_000_000), m.duration("per", Duration.ofSeconds(1)));
  }

  private DatabaseConfig database(YamlMapping m) {
    String url = m.nonEmptyString("url", DatabaseConfig.EMBEDDED);
    if (!url.equals(DatabaseConfig.EMBEDDED) && JDBC_PREFIXES.stream().noneMatch(url::startsWith)) {
      // The URL itself is not echoed: it may carry a password.
      nodes.problem(
          m.path("url"),
          m.lineOf("url"),
          "must be 'embedded' or a JDBC URL starting with " + String.join(" or ", JDBC_PREFIXES));
    }
    return new DatabaseConfig(url, m.optionalString("user"), m.optionalString("password"));
  }

  private TemporalConfig temporal(YamlMapping m) {
    String address = m.nonEmptyString("address", TemporalConfig.EMBEDDED);
    if (!address.equals(TemporalConfig.EMBEDDED) && !isHostPort(address)) {
      nodes.problem(
          m.path("address"),
          m.lineOf("address"),
          "must be 'embedded' or host:port, e.g. localhost:7233 (got '" + address + "')");
    }
    return new TemporalConfig(
        address,
        m.nonEmptyString("namespace", Defaults.TEMPORAL_NAMESPACE),
        templates.httpUrl(m, "ui_url", false));
  }

  private static boolean isHostPort(String address) {
    var matcher = HOST_PORT.matcher(address);
    if (!matcher.matches() || matcher.group(1).isBlank()) {
      return false;
    }
    int port = Integer.parseInt(matcher.group(2));
    return port >= 1 && port <= 65535;
  }

  private Map<String, ProviderConfig> providers(YamlMapping top) {
    if (!top.present("providers")) {
      return new ProviderBinder(nodes).defaults();
    }
    if (top.get("providers") == null) {
      // "providers:" with nothing under it is ambiguous (all commented out?); make the user say
      // which.
      nodes.problem(
          top.path("providers"),
          top.lineOf("providers"),
          "is empty; remove the key for the built-in 'sim' provider, or write 'providers: {}' for none");
      return Map.of();
    }
    return top.bind("providers", new ProviderBinder(nodes)::bind);
  }

  private List<PoolConfig> pools(YamlMapping top, List<String> providerNames) {
    if (!top.present("pools")) {
      if (providerNames.isEmpty() && !nodes.problems().touched("providers")) {
        nodes.problem(
            top.path("providers"),
            top.lineOf("providers"),
            "no providers are configured, but the built-in demo pools need one"
                + " (add a provider, or write 'pools: []')");
        return List.of();
      }
      return Defaults.demoPools(providerNames);
    }
    if (top.get("pools") == null) {
      nodes.problem(
          top.path("pools"),
          top.lineOf("pools"),
          "is empty; remove the key for the two demo pools, or write 'pools: []' for none");
      return List.of();
    }
    List<Node> items = nodes.list(top.get("pools"), "pools", "a list of pools");
    if (items == null) {
      return List.of();
    }
    List<PoolConfig> pools = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      // A placeholder keeps pools[i] lined up with the list when an item is not a mapping; the
      // validator skips it.
      boolean usable = YamlNodes.isNull(item) || item instanceof MappingNode;
      pools.add(
          nodes.bind(
              item,
              SourceLines.item("pools", i),
              YamlNodes.line(item),
              m -> usable ? pool(m, providerNames) : PLACEHOLDER));
    }
    return pools;
  }

  private PoolConfig pool(YamlMapping m, List<String> providerNames) {
    String name = m.requiredString("name");
    if (!name.isEmpty() && !POOL_NAME.matcher(name).matches()) {
      nodes.problem(m.path("name"), m.lineOf("name"), POOL_NAME_RULE + " (got '" + name + "')");
    }
    List<String> alias = m.strings("alias", List.of());
    for (int i = 0; i < alias.size(); i++) {
      if (!POOL_NAME.matcher(alias.get(i)).matches()) {
        String path = nodes.lines().itemOrSelf(m.path("alias"), i);
        nodes.problem(
            path, nodes.lines().lineOf(path), POOL_NAME_RULE + " (got '" + alias.get(i) + "')");
      }
    }
    // template: NAME is a fixed template; template: {group, ...} follows the group's builds.
    String template = null;
    TemplateSelector selector = null;
    Node t = m.get("template");
    if (t instanceof MappingNode) {
      selector = m.bind("template", templates::selector);
    } else if (t instanceof SequenceNode) {
      nodes.problem(
          m.path("template"),
          m.lineOf("template"),
          "expected a template name or a mapping {group, version, prepared, container}, got a list");
      template = "";
    } else {
      template = m.requiredString("template");
    }
    List<String> providers = m.strings("providers", providerNames);
    int size = m.integer("size", Defaults.POOL_SIZE, 0, Integer.MAX_VALUE);
    Duration readyTtl = m.duration("ready_ttl", Defaults.READY_TTL);
    Duration bootTimeout = m.duration("boot_timeout", Defaults.BOOT_TIMEOUT);
    int maxTries = m.integer("max_tries", Defaults.MAX_TRIES, 1, Integer.MAX_VALUE);
    Duration lifetime = m.duration("lifetime", Defaults.LIFETIME);
    Duration maxLifetime = m.duration("max_lifetime", Defaults.MAX_LIFETIME);
    // Same bounds as the provider-wide keys: below 64 MiB no Linux guest boots.
    Integer memoryMb = m.present("memory_mb") ? m.integer("memory_mb", 0, 64, 1024 * 1024) : null;
    Integer cpus = m.present("cpus") ? m.integer("cpus", 0, 1, 256) : null;
    return new PoolConfig(
        name,
        alias,
        template,
        providers,
        size,
        readyTtl,
        bootTimeout,
        maxTries,
        lifetime,
        maxLifetime,
        selector,
        access.poolLeasing(m),
        memoryMb,
        cpus);
  }
}
