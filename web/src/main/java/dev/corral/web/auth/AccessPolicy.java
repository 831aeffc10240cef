package dev.corral.web.auth;

import dev.corral.activities.store.LeaseQuota;
import dev.corral.config.AuthConfig;
import dev.corral.config.CorralConfig;
import dev.corral.config.PoolConfig;
import dev.corral.config.QuotaConfig;
import dev.corral.config.Reloadable;
import dev.corral.config.UserConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a caller may lease, from the config: whether a pool may be used anonymously or by the
 * caller's groups (Sprout's provider restrictions), and which quotas a claim must respect (Copr's
 * {@code max_vm_per_user}, Sprout's group quotas).
 */
public final class AccessPolicy implements Reloadable {
  // Swapped whole by a config reload; a check under way reads each once.
  private volatile AuthConfig auth;
  private volatile QuotaConfig quotas;

  public AccessPolicy(AuthConfig auth, QuotaConfig quotas) {
    this.auth = auth;
    this.quotas = quotas;
  }

  @Override
  public void reload(CorralConfig config) {
    this.auth = config.auth();
    this.quotas = config.quotas();
  }

  public boolean authOn() {
    return auth.tokens();
  }

  /** Null when the caller may lease from this pool; otherwise why not (for a 401 or 403). */
  public Refusal refusal(Caller caller, PoolConfig pool) {
    if (!auth.tokens() || caller.admin()) {
      return null;
    }
    if (caller.anonymous()) {
      return pool.leasing().anonymous()
          ? null
          : new Refusal(
              401, "pool " + pool.name() + " needs a token (it does not set anonymous: true)");
    }
    Set<String> allowed = allowedProviders(caller);
    if (allowed != null && !allowed.containsAll(pool.providers())) {
      return new Refusal(
          403,
          "your groups "
              + caller.groups()
              + " may not use pool "
              + pool.name()
              + " (its providers "
              + pool.providers()
              + "; yours: "
              + allowed
              + ")");
    }
    return null;
  }

  /** Why a caller may not lease: 401 (send a token) or 403 (not for you). */
  public record Refusal(int status, String message) {}

  /**
   * The union of the caller's groups' provider lists; null (no restriction) when none of the
   * caller's groups restricts providers.
   */
  public Set<String> allowedProviders(Caller caller) {
    Set<String> allowed = null;
    for (String group : caller.groups()) {
      QuotaConfig.Limit limit = quotas.groups().get(group);
      if (limit != null && limit.providers() != null) {
        allowed = allowed == null ? new HashSet<>() : allowed;
        allowed.addAll(limit.providers());
      }
    }
    return allowed;
  }

  /** Every limit that applies to a lease by this caller; none for anonymous callers and admins. */
  public List<LeaseQuota> quotasFor(Caller caller) {
    if (caller.anonymous() || caller.admin()) {
      return List.of();
    }
    List<LeaseQuota> limits = new ArrayList<>();
    QuotaConfig.Limit perUser = quotas.perUser();
    if (perUser.maxVms() != null || !perUser.pools().isEmpty()) {
      limits.add(
          new LeaseQuota(
              "quotas.per_user", Set.of(caller.user()), perUser.maxVms(), perUser.pools()));
    }
    for (String group : caller.groups()) {
      QuotaConfig.Limit limit = quotas.groups().get(group);
      if (limit != null && (limit.maxVms() != null || !limit.pools().isEmpty())) {
        limits.add(
            new LeaseQuota(
                "quotas.groups." + group,
                members(group, caller.user()),
                limit.maxVms(),
                limit.pools()));
      }
    }
    return limits;
  }

  private Set<String> members(String group, String caller) {
    Set<String> members = new LinkedHashSet<>();
    members.add(caller);
    for (UserConfig user : auth.users()) {
      if (user.groups().contains(group)) {
        members.add(user.name());
      }
    }
    return members;
  }

  /**
   * The pool's default lifetime for this caller: token holders get {@code lifetime_authenticated}.
   */
  public java.time.Duration defaultLifetime(Caller caller, PoolConfig pool) {
    return caller.anonymous() ? pool.lifetime() : pool.lifetimeAuthenticated();
  }
}
