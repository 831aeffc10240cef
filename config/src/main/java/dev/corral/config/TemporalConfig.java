package dev.corral.config;

/** {@code address} is either {@code embedded} (in-process test server on loopback) or host:port of a cluster. */
public record TemporalConfig(String address, String namespace) {
  public static final String EMBEDDED = "embedded";

  public boolean embedded() {
    return EMBEDDED.equals(address);
  }
}
