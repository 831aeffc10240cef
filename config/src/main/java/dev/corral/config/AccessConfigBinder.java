package dev.corral.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Binds who may lease what: the {@code auth:} and {@code quotas:} sections and a pool's leasing
 * keys ({@code anonymous}, {@code lifetime_authenticated}, {@code max_ondemand_per_request}, {@code
 * reuse…}). Whether quota pools and providers exist is a cross-reference, checked by {@link
 * ConfigValidator}.
 */
final class AccessConfigBinder {
  /** User and group names appear in URLs, token listings and lease owners. */
  static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  static final String USER_NAME_RULE =
      "must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";

  /** bcrypt ($2a$, $2b$, $2y$ with a two-digit cost) or argon2 (PHC string). */
  static final Pattern PASSWORD_HASH =
      Pattern.compile(
          "\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}|\\$argon2(id|i|d)\\$v=\\d+\\$m=\\d+,t=\\d+,p=\\d+\\$\\S+\\$\\S+");

  private final YamlNodes nodes;

  AccessConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  /** Absent means {@link AuthConfig#NONE}. */
  AuthConfig auth(YamlMapping top) {
    return top.present("auth") ? top.bind("auth", this::authSection) : AuthConfig.NONE;
  }

  private AuthConfig authSection(YamlMapping m) {
    String modeText = m.nonEmptyString("mode", "none");
    AuthConfig.Mode mode = AuthConfig.Mode.NONE;
    switch (modeText.toLowerCase(Locale.ROOT)) {
      case "none" -> mode = AuthConfig.Mode.NONE;
      case "tokens" -> mode = AuthConfig.Mode.TOKENS;
      default ->
          nodes.problem(
              m.path("mode"), m.lineOf("mode"), "must be none or tokens (got '" + modeText + "')");
    }
    Duration ttl = m.duration("token_ttl", AuthConfig.DEFAULT_TOKEN_TTL);
    List<UserConfig> users = users(m);
    if (mode == AuthConfig.Mode.TOKENS
        && users.isEmpty()
        && !nodes.problems().touched(m.path("users"))) {
      nodes.problem(
          m.path(m.present("users") ? "users" : "mode"),
          m.lineOf(m.present("users") ? "users" : "mode"),
          "auth mode tokens needs at least one user under auth.users, or nobody could get a token");
    }
    return new AuthConfig(mode, ttl, users);
  }

  private List<UserConfig> users(YamlMapping auth) {
    if (!auth.present("users") || auth.get("users") == null) {
      return List.of();
    }
    List<Node> items = nodes.list(auth.get("users"), auth.path("users"), "a list of users");
    if (items == null) {
      return List.of();
    }
    List<UserConfig> users = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      UserConfig user =
          nodes.bind(
              item,
              SourceLines.item(auth.path("users"), i),
              YamlNodes.line(item),
              u -> item instanceof MappingNode ? user(u, seen) : null);
      if (user != null) {
        users.add(user);
      }
    }
    return users;
  }

  /** {@code seen}: the names of the users before this one. */
  private UserConfig user(YamlMapping u, Set<String> seen) {
    String name = u.requiredString("name");
    if (!name.isEmpty() && !USER_NAME.matcher(name).matches()) {
      nodes.problem(u.path("name"), u.lineOf("name"), USER_NAME_RULE + " (got '" + name + "')");
    } else if (!name.isEmpty() && !seen.add(name)) {
      nodes.problem(u.path("name"), u.lineOf("name"), "duplicate user name '" + name + "'");
    }
    String password = u.optionalString("password");
    String hash = u.optionalString("password_hash");
    if ((password == null) == (hash == null)) {
      String key = password == null ? "name" : "password_hash";
      nodes.problem(
          u.path(key),
          u.lineOf(key),
          "set exactly one of password (development only) and password_hash");
    } else if (hash != null && !PASSWORD_HASH.matcher(hash).matches()) {
      // The value is a secret (or a mistyped password): never echo it.
      nodes.problem(
          u.path("password_hash"),
          u.lineOf("password_hash"),
          "must be a bcrypt ($2a$/$2b$/$2y$) or argon2 ($argon2id$...) hash");
    }
    List<String> groups = u.strings("groups", List.of());
    for (int g = 0; g < groups.size(); g++) {
      if (!USER_NAME.matcher(groups.get(g)).matches()) {
        String gp = nodes.lines().itemOrSelf(u.path("groups"), g);
        nodes.problem(
            gp,
            nodes.lines().lineOf(gp),
            "group name " + USER_NAME_RULE + " (got '" + groups.get(g) + "')");
      }
    }
    return new UserConfig(name, password, hash, groups, u.bool("admin", false));
  }

  /** Absent means {@link QuotaConfig#NONE}. */
  QuotaConfig quotas(YamlMapping top) {
    return top.present("quotas") ? top.bind("quotas", this::quotasSection) : QuotaConfig.NONE;
  }

  private QuotaConfig quotasSection(YamlMapping m) {
    QuotaConfig.Limit perUser =
        m.present("per_user") ? m.bind("per_user", u -> limit(u, false)) : QuotaConfig.Limit.NONE;
    return new QuotaConfig(perUser, m.bind("groups", this::groupLimits));
  }

  private Map<String, QuotaConfig.Limit> groupLimits(YamlMapping section) {
    Map<String, QuotaConfig.Limit> groups = new LinkedHashMap<>();
    for (String group : section.keys()) {
      if (!USER_NAME.matcher(group).matches()) {
        nodes.problem(
            section.path(group),
            section.lineOf(group),
            "group name " + USER_NAME_RULE + " (got '" + group + "')");
      }
      groups.put(group, section.bind(group, g -> limit(g, true)));
    }
    return groups;
  }

  private QuotaConfig.Limit limit(YamlMapping m, boolean group) {
    Integer maxVms = m.present("max_vms") ? m.integer("max_vms", 0, 0, Integer.MAX_VALUE) : null;
    Map<String, Integer> pools =
        m.bind(
            "pools",
            p -> {
              Map<String, Integer> perPool = new LinkedHashMap<>();
              for (String pool : p.keys()) {
                perPool.put(pool, p.integer(pool, 0, 0, Integer.MAX_VALUE));
              }
              return perPool;
            });
    // Only a group has providers: not asking for them under per_user makes the key unknown there.
    List<String> providers =
        group && m.present("providers") ? m.strings("providers", List.of()) : null;
    return new QuotaConfig.Limit(maxVms, pools, providers);
  }

  /** A pool's leasing keys; the rest of the pool is bound by {@link ConfigBinder}. */
  PoolLeasing poolLeasing(YamlMapping pool) {
    boolean anonymous = pool.bool("anonymous", false);
    Duration lifetimeAuthenticated = pool.duration("lifetime_authenticated", null);
    int maxOndemand =
        pool.integer("max_ondemand_per_request", PoolLeasing.DEFAULT_MAX_ONDEMAND, 1, 1000);
    String reuseText = pool.nonEmptyString("reuse", "none");
    PoolLeasing.Reuse reuse = PoolLeasing.Reuse.NONE;
    switch (reuseText.toLowerCase(Locale.ROOT)) {
      case "none" -> reuse = PoolLeasing.Reuse.NONE;
      case "same_owner" -> reuse = PoolLeasing.Reuse.SAME_OWNER;
      default ->
          nodes.problem(
              pool.path("reuse"),
              pool.lineOf("reuse"),
              "must be none or same_owner (got '" + reuseText + "')");
    }
    return new PoolLeasing(
        anonymous,
        lifetimeAuthenticated,
        maxOndemand,
        reuse,
        pool.duration("reuse_within", PoolLeasing.DEFAULT_REUSE_WITHIN),
        pool.integer("reuse_max_uses", PoolLeasing.DEFAULT_REUSE_MAX_USES, 1, Integer.MAX_VALUE));
  }
}
