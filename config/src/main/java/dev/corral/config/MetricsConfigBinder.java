package dev.corral.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/** Binds {@code metrics: {statsd: {host, port, flavor, prefix}}}. */
final class MetricsConfigBinder {
  /**
   * A prefix becomes part of every statsd name: letters, digits, '_', '-' and dots between them.
   */
  static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  private final YamlNodes nodes;

  MetricsConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  MetricsConfig bind(YamlMapping top) {
    return top.bind(
        "metrics",
        m ->
            m.present("statsd")
                ? new MetricsConfig(m.bind("statsd", this::statsd))
                : MetricsConfig.NONE);
  }

  private MetricsConfig.Statsd statsd(YamlMapping s) {
    String host = s.requiredString("host");
    int port = s.integer("port", MetricsConfig.Statsd.DEFAULT_PORT, 1, 65535);
    MetricsConfig.Flavor flavor = flavor(s);
    String prefix = s.optionalString("prefix");
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      nodes.problem(
          s.path("prefix"),
          s.lineOf("prefix"),
          "must be letters, digits, '_' or '-', in parts separated by dots (got '" + prefix + "')");
      prefix = null;
    }
    return new MetricsConfig.Statsd(host, port, flavor, prefix);
  }

  private MetricsConfig.Flavor flavor(YamlMapping s) {
    String written = s.nonEmptyString("flavor", MetricsConfig.Flavor.ETSY.key());
    for (MetricsConfig.Flavor f : MetricsConfig.Flavor.values()) {
      if (f.key().equals(written.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    nodes.problem(
        s.path("flavor"),
        s.lineOf("flavor"),
        "must be one of "
            + String.join(
                ", ",
                Arrays.stream(MetricsConfig.Flavor.values())
                    .map(MetricsConfig.Flavor::key)
                    .toList())
            + " (got '"
            + written
            + "')");
    return MetricsConfig.Flavor.ETSY;
  }
}
