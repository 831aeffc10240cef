package dev.corral.activities.templates;

import dev.corral.config.CorralConfig;
import dev.corral.config.Reloadable;
import dev.corral.config.TrackerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads every configured tracker document; a source that cannot be read is reported, not fatal. */
public final class TrackerSources implements Reloadable {
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(15);

  private volatile List<TrackerConfig.Source> sources;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(HTTP_TIMEOUT).build();

  public TrackerSources(List<TrackerConfig.Source> sources) {
    this.sources = List.copyOf(sources);
  }

  @Override
  public void reload(CorralConfig config) {
    this.sources = List.copyOf(config.tracker().sources());
  }

  public TrackerDocument.Parsed readAll() {
    List<TrackerBuild> builds = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (TrackerConfig.Source source : sources) {
      try {
        TrackerDocument.Parsed parsed = TrackerDocument.parse(read(source), source.describe());
        builds.addAll(parsed.builds());
        problems.addAll(parsed.problems());
      } catch (IOException e) {
        problems.add(source.describe() + ": cannot read: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        problems.add(source.describe() + ": interrupted");
      }
    }
    return new TrackerDocument.Parsed(builds, problems);
  }

  private String read(TrackerConfig.Source source) throws IOException, InterruptedException {
    if (source.file() != null) {
      return Files.readString(source.file());
    }
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(source.url())).timeout(HTTP_TIMEOUT).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("HTTP " + response.statusCode());
    }
    return response.body();
  }
}
