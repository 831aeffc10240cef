package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code GET /metrics} of a running Corral, parsed into series (name, labels, value) as
 * Prometheus reads them.
 */
record MetricsScrape(List<Series> series) {
  record Series(String name, Map<String, String> labels, double value) {}

  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static MetricsScrape of(String baseUrl) {
    HttpResponse<String> response;
    try {
      response =
          CLIENT.send(
              HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    List<Series> series = new ArrayList<>();
    for (String line : response.body().split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      assertTrue(m.matches(), "not a Prometheus sample line: " + line);
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      series.add(new Series(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new MetricsScrape(series);
  }

  /**
   * Scrapes until {@code condition} holds, for at most 20 s (the pool gauges are read every 5 s).
   */
  static MetricsScrape await(String baseUrl, Predicate<MetricsScrape> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    MetricsScrape last = of(baseUrl);
    while (!condition.test(last) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      last = of(baseUrl);
    }
    assertTrue(condition.test(last), "the scrape never showed the expected values");
    return last;
  }

  /** Sum of the series of that name whose labels include these pairs; 0 when there is none. */
  double value(String name, String... labelPairs) {
    return matching(name, labelPairs).stream().mapToDouble(Series::value).sum();
  }

  boolean has(String name, String... labelPairs) {
    return !matching(name, labelPairs).isEmpty();
  }

  List<String> names() {
    return series.stream().map(Series::name).distinct().toList();
  }

  List<String> labelValues() {
    return series.stream().flatMap(s -> s.labels().values().stream()).distinct().toList();
  }

  private List<Series> matching(String name, String... labelPairs) {
    return series.stream()
        .filter(s -> s.name().equals(name))
        .filter(
            s -> {
              for (int i = 0; i < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(s.labels().get(labelPairs[i]))) {
                  return false;
                }
              }
              return true;
            })
        .toList();
  }
}
