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
 * @param memoryMb guest memory of the pool's VMs; null: the provider's default (providers that size
 *     VMs: qemu)
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

  /**
   * For tests and tools, which name only what they need: a pool on no providers and with no
   * template (set one, or a selector), everything else as if its key were left out of the file.
   * Code that builds a pool for real uses the constructor, so a new component is decided on
   * everywhere.
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The default lifetime of a lease by a token holder. */
  public Duration lifetimeAuthenticated() {
    return leasing.lifetimeAuthenticated() == null ? lifetime : leasing.lifetimeAuthenticated();
  }

  /** See {@link PoolConfig#builder}. */
  public static final class Builder {
    private final String name;
    private List<String> alias = List.of();
    private String template;
    private List<String> providers = List.of();
    private int size = Defaults.POOL_SIZE;
    private Duration readyTtl = Defaults.READY_TTL;
    private Duration bootTimeout = Defaults.BOOT_TIMEOUT;
    private int maxTries = Defaults.MAX_TRIES;
    private Duration lifetime = Defaults.LIFETIME;
    private Duration maxLifetime = Defaults.MAX_LIFETIME;
    private TemplateSelector selector;
    private PoolLeasing leasing = PoolLeasing.DEFAULT;
    private Integer memoryMb;
    private Integer cpus;

    private Builder(String name) {
      this.name = name;
    }

    public Builder alias(List<String> alias) {
      this.alias = alias;
      return this;
    }

    public Builder template(String template) {
      this.template = template;
      return this;
    }

    public Builder providers(List<String> providers) {
      this.providers = providers;
      return this;
    }

    public Builder size(int size) {
      this.size = size;
      return this;
    }

    public Builder readyTtl(Duration readyTtl) {
      this.readyTtl = readyTtl;
      return this;
    }

    public Builder bootTimeout(Duration bootTimeout) {
      this.bootTimeout = bootTimeout;
      return this;
    }

    public Builder maxTries(int maxTries) {
      this.maxTries = maxTries;
      return this;
    }

    public Builder lifetime(Duration lifetime) {
      this.lifetime = lifetime;
      return this;
    }

    public Builder maxLifetime(Duration maxLifetime) {
      this.maxLifetime = maxLifetime;
      return this;
    }

    public Builder selector(TemplateSelector selector) {
      this.selector = selector;
      return this;
    }

    public Builder leasing(PoolLeasing leasing) {
      this.leasing = leasing;
      return this;
    }

    public Builder memoryMb(Integer memoryMb) {
      this.memoryMb = memoryMb;
      return this;
    }

    public Builder cpus(Integer cpus) {
      this.cpus = cpus;
      return this;
    }

    public PoolConfig build() {
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
          leasing,
          memoryMb,
          cpus);
    }
  }
}
