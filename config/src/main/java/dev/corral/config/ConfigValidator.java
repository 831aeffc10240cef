package dev.corral.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rules that relate values to each other: unique pool names and aliases, pools referring to
 * providers that exist, lifetime within max_lifetime, credentials only with a real database. It
 * runs on the bound records and finds lines through {@link SourceLines}. A value that already has a
 * problem is not checked again.
 */
final class ConfigValidator {
  private final Problems problems;
  private final SourceLines lines;

  ConfigValidator(Problems problems, SourceLines lines) {
    this.problems = problems;
    this.lines = lines;
  }

  void validate(CorralConfig config) {
    database(config.database());
    pools(config.pools(), config.providers().keySet());
    templateGroups(config.pools(), config.templateGroups().keySet());
    quotas(config.quotas(), config.pools(), config.providers().keySet());
  }

  private void database(DatabaseConfig db) {
    if (!db.embedded() || problems.touched("database.url")) {
      return;
    }
    for (String key : List.of("user", "password")) {
      String value = key.equals("user") ? db.user() : db.password();
      if (value != null) {
        report("database." + key, "only used with a JDBC url, but url is embedded");
      }
    }
  }

  private void pools(List<PoolConfig> pools, Set<String> providers) {
    Map<String, Integer> poolByName = new HashMap<>();
    for (int i = 0; i < pools.size(); i++) {
      String name = pools.get(i).name();
      String path = SourceLines.item("pools", i) + ".name";
      if (name.isEmpty() || problems.touched(path) || skipped(pools.get(i))) {
        continue;
      }
      Integer first = poolByName.putIfAbsent(name, i);
      if (first != null) {
        report(path, "duplicate pool name '" + name + "' (also " + where(first, "name") + ")");
      }
    }
    Map<String, Integer> poolByAlias = new HashMap<>();
    for (int i = 0; i < pools.size(); i++) {
      PoolConfig pool = pools.get(i);
      if (skipped(pool)) {
        continue;
      }
      aliases(i, pool, poolByName, poolByAlias);
      providers(i, pool, providers);
      lifetimes(i, pool);
    }
  }

  private void aliases(
      int i, PoolConfig pool, Map<String, Integer> poolByName, Map<String, Integer> poolByAlias) {
    String base = SourceLines.item("pools", i) + ".alias";
    if (problems.touched(base)) {
      return;
    }
    for (int j = 0; j < pool.alias().size(); j++) {
      String alias = pool.alias().get(j);
      String path = lines.itemOrSelf(base, j);
      Integer owner = poolByName.get(alias);
      Integer earlier = poolByAlias.putIfAbsent(alias, i);
      if (owner != null) {
        report(
            path,
            "alias '"
                + alias
                + "' is already the name of "
                + (owner == i ? "this pool" : where(owner, "name")));
      } else if (earlier != null) {
        report(
            path,
            "alias '"
                + alias
                + "' is already used by "
                + (earlier == i ? "this pool" : where(earlier, "alias")));
      }
    }
  }

  private void providers(int i, PoolConfig pool, Set<String> configured) {
    String base = SourceLines.item("pools", i) + ".providers";
    // A broken providers section would make every reference look unknown; that is one mistake, not
    // many.
    if (problems.touched(base) || problems.at("providers")) {
      return;
    }
    if (pool.providers().isEmpty()) {
      report(
          base,
          "no providers to place VMs on (configured: "
              + (configured.isEmpty() ? "none" : String.join(", ", configured))
              + ")");
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < pool.providers().size(); j++) {
      String provider = pool.providers().get(j);
      String path = lines.itemOrSelf(base, j);
      if (!configured.contains(provider)) {
        report(
            path,
            "unknown provider '"
                + provider
                + "' (configured: "
                + (configured.isEmpty() ? "none" : String.join(", ", configured))
                + ")");
      } else if (!seen.add(provider)) {
        report(path, "provider '" + provider + "' is listed twice");
      }
    }
  }

  private void lifetimes(int i, PoolConfig pool) {
    String lifetime = SourceLines.item("pools", i) + ".lifetime";
    String maxLifetime = SourceLines.item("pools", i) + ".max_lifetime";
    if (problems.touched(lifetime) || problems.touched(maxLifetime)) {
      return;
    }
    String authenticated = SourceLines.item("pools", i) + ".lifetime_authenticated";
    Duration forTokens = pool.leasing().lifetimeAuthenticated();
    if (forTokens != null
        && !problems.touched(authenticated)
        && forTokens.compareTo(pool.maxLifetime()) > 0) {
      report(
          authenticated,
          "lifetime_authenticated "
              + Durations.format(forTokens)
              + " exceeds max_lifetime "
              + Durations.format(pool.maxLifetime()));
    }
    if (pool.lifetime().compareTo(pool.maxLifetime()) > 0) {
      // Point at whichever of the two the user actually wrote.
      report(
          lines.knows(lifetime) ? lifetime : maxLifetime,
          "lifetime "
              + Durations.format(pool.lifetime())
              + " exceeds max_lifetime "
              + Durations.format(pool.maxLifetime()));
    }
  }

  /** A pool's {@code template: {group: ...}} must name a configured template group. */
  private void templateGroups(List<PoolConfig> pools, Set<String> groups) {
    // A broken template_groups section would make every group look unknown.
    if (problems.at("template_groups")) {
      return;
    }
    for (int i = 0; i < pools.size(); i++) {
      TemplateSelector selector = pools.get(i).selector();
      String path = SourceLines.item("pools", i) + ".template.group";
      if (selector == null || selector.group().isEmpty() || problems.touched(path)) {
        continue;
      }
      if (!groups.contains(selector.group())) {
        report(
            path,
            "unknown template group '"
                + selector.group()
                + "' (configured: "
                + (groups.isEmpty() ? "none" : String.join(", ", groups))
                + ")");
      }
    }
  }

  /** Quota pool names must be configured pools and group providers configured providers. */
  private void quotas(QuotaConfig quotas, List<PoolConfig> pools, Set<String> providers) {
    if (problems.at("quotas") || problems.at("pools") || problems.at("providers")) {
      return;
    }
    Set<String> poolNames = new HashSet<>();
    pools.forEach(p -> poolNames.add(p.name()));
    quotaPools("quotas.per_user.pools", quotas.perUser(), poolNames);
    quotas
        .groups()
        .forEach(
            (group, limit) -> {
              String base = "quotas.groups." + group;
              quotaPools(base + ".pools", limit, poolNames);
              if (limit.providers() == null || problems.touched(base + ".providers")) {
                return;
              }
              for (int j = 0; j < limit.providers().size(); j++) {
                String provider = limit.providers().get(j);
                if (!providers.contains(provider)) {
                  report(
                      lines.itemOrSelf(base + ".providers", j),
                      "unknown provider '"
                          + provider
                          + "' (configured: "
                          + (providers.isEmpty() ? "none" : String.join(", ", providers))
                          + ")");
                }
              }
            });
  }

  private void quotaPools(String base, QuotaConfig.Limit limit, Set<String> poolNames) {
    for (String pool : limit.pools().keySet()) {
      if (!poolNames.contains(pool) && !problems.touched(base + "." + pool)) {
        report(
            base + "." + pool,
            "unknown pool '"
                + pool
                + "' (configured: "
                + (poolNames.isEmpty()
                    ? "none"
                    : String.join(", ", new java.util.TreeSet<>(poolNames)))
                + ")");
      }
    }
  }

  /** Pools that were not even a mapping: already reported, nothing to compare. */
  private static boolean skipped(PoolConfig pool) {
    return pool == ConfigBinder.PLACEHOLDER;
  }

  private String where(int poolIndex, String key) {
    String path = SourceLines.item("pools", poolIndex) + "." + key;
    return "pools[" + poolIndex + "] at line " + lines.lineOf(path);
  }

  private void report(String path, String message) {
    problems.add(path, lines.lineOf(path), message);
  }
}
