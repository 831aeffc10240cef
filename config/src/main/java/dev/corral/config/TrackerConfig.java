package dev.corral.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Where template builds are discovered, and how often the tracker looks. */
public record TrackerConfig(Duration interval, List<Source> sources) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);

  /** No tracker documents: the tracker still reads the providers' own template listings. */
  public static final TrackerConfig NONE = new TrackerConfig(DEFAULT_INTERVAL, List.of());

  public TrackerConfig {
    sources = List.copyOf(sources);
  }

  /**
   * A tracker document (YAML or JSON) read from a file or fetched over HTTP; exactly one is set.
   */
  public record Source(Path file, String url) {
    public String describe() {
      return file != null ? "file " + file : "url " + url;
    }
  }
}
