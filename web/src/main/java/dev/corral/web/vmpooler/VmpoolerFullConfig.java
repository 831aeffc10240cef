package dev.corral.web.vmpooler;

import dev.corral.config.CorralConfig;
import dev.corral.config.Durations;
import dev.corral.config.PoolConfig;
import dev.corral.config.ProviderConfig;
import dev.corral.config.QuotaConfig;
import dev.corral.config.UserConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vmpooler's {@code full_config}: the configuration Corral runs with, without the secrets vmpooler
 * gives away there (vmpooler.md §12). Passwords and hashes are left out, the database address loses
 * its user, password and query string, and provider settings (which may hold credentials) are not
 * shown.
 */
final class VmpoolerFullConfig {
  private VmpoolerFullConfig() {}

  static Map<String, Object> of(CorralConfig config, Instant startedAt, Instant now) {
    Map<String, Object> full = new LinkedHashMap<>();
    full.put("providers", providers(config));
    full.put("pools", pools(config));
    full.put("auth", auth(config));
    full.put("quotas", quotas(config.quotas()));
    full.put("database", Map.of("url", withoutCredentials(config.database().url())));
    full.put(
        "temporal",
        Map.of("address", config.temporal().address(), "namespace", config.temporal().namespace()));
    full.put("uptime", Duration.between(startedAt, now).toSeconds());
    return full;
  }

  private static List<Map<String, Object>> providers(CorralConfig config) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ProviderConfig p : config.providers().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", p.name());
      m.put("type", p.type());
      m.put("max_vms", p.maxVms());
      m.put("max_concurrent_clones", p.maxConcurrentClones());
      out.add(m);
    }
    return out;
  }

  private static List<Map<String, Object>> pools(CorralConfig config) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PoolConfig p : config.pools()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", p.name());
      m.put("alias", p.alias());
      m.put("template", p.template());
      m.put("providers", p.providers());
      m.put("size", p.size());
      m.put("ready_ttl", Durations.format(p.readyTtl()));
      m.put("boot_timeout", Durations.format(p.bootTimeout()));
      m.put("max_tries", p.maxTries());
      m.put("lifetime", Durations.format(p.lifetime()));
      m.put("max_lifetime", Durations.format(p.maxLifetime()));
      m.put("anonymous", p.leasing().anonymous());
      m.put("lifetime_authenticated", Durations.format(p.lifetimeAuthenticated()));
      m.put("max_ondemand_per_request", p.leasing().maxOndemandPerRequest());
      m.put("reuse", p.leasing().reuse().key());
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> auth(CorralConfig config) {
    List<Map<String, Object>> users = new ArrayList<>();
    for (UserConfig u : config.auth().users()) {
      users.add(Map.of("name", u.name(), "groups", u.groups(), "admin", u.admin()));
    }
    return Map.of(
        "mode",
        config.auth().mode().key(),
        "token_ttl",
        Durations.format(config.auth().tokenTtl()),
        "users",
        users);
  }

  private static Map<String, Object> quotas(QuotaConfig quotas) {
    Map<String, Object> groups = new LinkedHashMap<>();
    quotas.groups().forEach((name, limit) -> groups.put(name, limit(limit)));
    return Map.of("per_user", limit(quotas.perUser()), "groups", groups);
  }

  private static Map<String, Object> limit(QuotaConfig.Limit limit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("max_vms", limit.maxVms());
    m.put("pools", limit.pools());
    m.put("providers", limit.providers());
    return m;
  }

  /**
   * {@code jdbc:mysql://user:pw@db:3306/corral?password=x} → {@code jdbc:mysql://db:3306/corral}.
   */
  static String withoutCredentials(String url) {
    if (url == null) {
      return null;
    }
    String out = url;
    int query = out.indexOf('?');
    if (query >= 0) {
      out = out.substring(0, query);
    }
    int scheme = out.indexOf("//");
    int at = out.indexOf('@', scheme < 0 ? 0 : scheme);
    if (scheme >= 0 && at > scheme) {
      out = out.substring(0, scheme + 2) + out.substring(at + 1);
    }
    return out;
  }
}
