package dev.corral.config;

import java.time.Duration;
import java.util.List;

/**
 * Where the HTTP API listens and what it accepts. Port 0 asks the OS for a free port (tests use
 * it).
 *
 * @param maxBodyBytes the largest request body accepted; a bigger one gets 413 before anything
 *     reads it
 * @param rateLimits per-caller request rates ({@code rate_limits:} at the top of the file); off by
 *     default
 */
public record ServerConfig(String host, int port, int maxBodyBytes, RateLimits rateLimits) {
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  public ServerConfig {
    rateLimits = rateLimits == null ? RateLimits.OFF : rateLimits;
  }

  /**
   * Token buckets: each caller may send {@code requests} per {@code per} on average and up to
   * {@code requests} at once. {@code perToken} counts an identified user's requests (over all their
   * tokens and passwords); {@code perAddress} counts every request from one client address,
   * identified or not. Null means no limit. Addresses in {@code exemptAddresses} are never counted
   * (loopback is not exempt unless listed).
   */
  public record RateLimits(Rate perToken, Rate perAddress, List<String> exemptAddresses) {
    public static final RateLimits OFF = new RateLimits(null, null, List.of());

    public RateLimits {
      exemptAddresses = List.copyOf(exemptAddresses);
    }

    public boolean off() {
      return perToken == null && perAddress == null;
    }
  }

  /** {@code requests} per {@code per}. */
  public record Rate(int requests, Duration per) {}
}
