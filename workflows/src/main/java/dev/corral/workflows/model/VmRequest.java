package dev.corral.workflows.model;

import java.time.Duration;

/**
 * Everything one VM's life needs, fixed when its row is reserved so that config changes cannot
 * change a replay. Reuse limits are not here: each release for reuse carries its own ({@link
 * VmReuse}).
 *
 * @param shape the pool's memory and CPUs for the VM; null (payloads from before pools had one)
 *     means the provider's default
 */
public record VmRequest(
    String vm,
    String pool,
    String provider,
    String template,
    Duration bootTimeout,
    int maxTries,
    VmPhase phase,
    VmShape shape) {

  public VmRequest(
      String vm,
      String pool,
      String provider,
      String template,
      Duration bootTimeout,
      int maxTries,
      VmPhase phase) {
    this(vm, pool, provider, template, bootTimeout, maxTries, phase, null);
  }
}
