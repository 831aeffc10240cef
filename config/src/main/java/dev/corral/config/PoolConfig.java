package dev.corral.config;

import java.time.Duration;
import java.util.List;

/**
 * A pool of ready VMs cloned from one template: either a fixed {@code template} name, or the newest
 * usable template a {@code selector} picks from a template group (then {@code template} is null).
 *
 * @param alias other names a lease may use for this pool
 * @param providers providers this pool may place VMs on, in order of preference
 * @param readyTtl a ready VM older than this is destroyed and replaced (it may have drifted)
 * @param bootTimeout a VM not ready this long after its clone started counts as a failed try
 * @param maxTries clone attempts per VM before it is marked failed
 * @param lifetime default lease lifetime
 * @param maxLifetime longest lifetime a lease may ask for
 * @param leasing who may lease, default lifetimes for token holders, on-demand and reuse limits
 * @param memoryMb guest memory of the pool's VMs; null: the provider's default (providers that size VMs: qemu)
 * @param cpus virtual CPUs of the pool's VMs; null: the provider's default
 */
public record PoolConfig(
    String name,
    List<String> alias,
    String template,
    List<String> providers,
    int size,
    Duration readyTtl,
    Duration bootTimeout,
    int maxTries,
    Duration lifetime,
    Duration maxLifetime,
    TemplateSelector selector,
    PoolLeasing leasing,
    Integer memoryMb,
    Integer cpus) {

  public PoolConfig {
    alias = List.copyOf(alias);
    providers = List.copyOf(providers);
    leasing = leasing == null ? PoolLeasing.DEFAULT : leasing;
  }

  /** A pool with the provider's VM size. */
  public PoolConfig(
      String name,
      List<String> alias,
      String template,
      List<String> providers,
      int size,
      Duration readyTtl,
      Duration bootTimeout,
      int maxTries,
      Duration lifetime,
      Duration maxLifetime,
      TemplateSelector selector,
      PoolLeasing leasing) {
    this(name, alias, template, providers, size, readyTtl, bootTimeout, maxTries, lifetime, maxLifetime, selector,
        leasing, null, null);
  }

  /** A pool with the default leasing rules. */
  public PoolConfig(
      String name,
      List<String> alias,
      String template,
      List<String> providers,
      int size,
      Duration readyTtl,
      Duration bootTimeout,
      int maxTries,
      Duration lifetime,
      Duration maxLifetime,
      TemplateSelector selector) {
    this(name, alias, template, providers, size, readyTtl, bootTimeout, maxTries, lifetime, maxLifetime, selector,
        PoolLeasing.DEFAULT);
  }

  /** The default lifetime of a lease by a token holder. */
  public Duration lifetimeAuthenticated() {
    return leasing.lifetimeAuthenticated() == null ? lifetime : leasing.lifetimeAuthenticated();
  }

  /** A pool on a fixed template. */
  public PoolConfig(
      String name,
      List<String> alias,
      String template,
      List<String> providers,
      int size,
      Duration readyTtl,
      Duration bootTimeout,
      int maxTries,
      Duration lifetime,
      Duration maxLifetime) {
    this(name, alias, template, providers, size, readyTtl, bootTimeout, maxTries, lifetime, maxLifetime, null, PoolLeasing.DEFAULT);
  }
}
