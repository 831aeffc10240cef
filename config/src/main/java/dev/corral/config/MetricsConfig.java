package dev.corral.config;

/**
 * What {@code metrics:} asks for beyond {@code GET /metrics}, which is always served.
 *
 * @param statsd a push export of the same meters over UDP, or null (the default) for none
 */
public record MetricsConfig(Statsd statsd) {
  public static final MetricsConfig NONE = new MetricsConfig(null);

  /** The statsd line formats Micrometer writes. */
  public enum Flavor {
    ETSY,
    DATADOG,
    TELEGRAF;

    public String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * Where and how to send statsd lines.
   *
   * @param prefix put before every meter name with a dot ({@code ci.corral_...} style names stay
   *     recognisable); null for none
   */
  public record Statsd(String host, int port, Flavor flavor, String prefix) {
    public static final int DEFAULT_PORT = 8125;
  }
}
