package dev.corral.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Binds {@code metrics: {statsd: {host, port, flavor, prefix}}}. */
final class MetricsConfigBinder {
  static final List<String> METRICS_KEYS = List.of("statsd");
  static final List<String> STATSD_KEYS = List.of("host", "port", "flavor", "prefix");
  /** A prefix becomes part of every statsd name: letters, digits, '_', '-' and dots between them. */
  static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  private final YamlNodes nodes;

  MetricsConfigBinder(YamlNodes nodes) {
    this.nodes = nodes;
  }

  MetricsConfig bind(YamlMapping top) {
    YamlMapping m = top.mapping("metrics").allowOnly(METRICS_KEYS);
    if (!m.present("statsd")) {
      return MetricsConfig.NONE;
    }
    YamlMapping s = m.mapping("statsd").allowOnly(STATSD_KEYS);
    String host = s.requiredString("host");
    int port = s.integer("port", MetricsConfig.Statsd.DEFAULT_PORT, 1, 65535);
    MetricsConfig.Flavor flavor = flavor(s);
    String prefix = s.optionalString("prefix");
    if (prefix != null && !PREFIX.matcher(prefix).matches()) {
      nodes.problem(s.path("prefix"), s.lineOf("prefix"),
          "must be letters, digits, '_' or '-', in parts separated by dots (got '" + prefix + "')");
      prefix = null;
    }
    return new MetricsConfig(new MetricsConfig.Statsd(host, port, flavor, prefix));
  }

  private MetricsConfig.Flavor flavor(YamlMapping s) {
    String written = s.nonEmptyString("flavor", MetricsConfig.Flavor.ETSY.key());
    for (MetricsConfig.Flavor f : MetricsConfig.Flavor.values()) {
      if (f.key().equals(written.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    nodes.problem(s.path("flavor"), s.lineOf("flavor"), "must be one of "
        + String.join(", ", Arrays.stream(MetricsConfig.Flavor.values()).map(MetricsConfig.Flavor::key).toList())
        + " (got '" + written + "')");
    return MetricsConfig.Flavor.ETSY;
  }
}
