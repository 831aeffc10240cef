package dev.corral.web.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Every request Corral answered with an error, by the error's code ({@code pool_empty}, {@code
 * rate_limited}, {@code quota_exceeded}, {@code not_found}, {@code database_unavailable}, {@code
 * internal}, …): the full count the log no longer has, since refusals a client causes are logged
 * only now and then. Codes are fixed strings in Corral's code, so the label set stays small.
 */
public final class RefusalMetrics {
  private final MeterRegistry registry;

  public RefusalMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void refused(String reason) {
    Counter.builder("corral.http.refusals")
        .description("Requests answered with an error, by the error's code (the body's \"code\")")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }
}
