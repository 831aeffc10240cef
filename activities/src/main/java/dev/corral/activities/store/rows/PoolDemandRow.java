package dev.corral.activities.store.rows;

/**
 * What one waiting lease asks of a pool: {@code wanted} VMs ({@code template}: of that template
 * only, on {@code provider} when given; null: any of the pool's) of which it holds {@code held}.
 */
public record PoolDemandRow(String template, String provider, int wanted, int held) {
  public int missing() {
    return Math.max(0, wanted - held);
  }
}
