package dev.corral.config;

/**
 * {@code address} is either {@code embedded} (in-process test server on loopback) or host:port of a
 * cluster. {@code uiUrl}, when set, is the Temporal UI's base URL, used to link builds to their
 * workflow.
 */
public record TemporalConfig(String address, String namespace, String uiUrl) {
  public static final String EMBEDDED = "embedded";

  public boolean embedded() {
    return EMBEDDED.equals(address);
  }
}
