package dev.corral.activities.provider.guest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The guest side of the contract (tools/guest): a tiny HTTP agent on the guest's port 80, reached
 * on the guest's own address or through a loopback port the hypervisor forwards to it. Every call
 * is short and bounded; the caller decides what a failure means.
 */
public final class GuestAgent {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  /** The agent answered, but with an error: repeating the call as it is will not help. */
  public static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  private final String host;
  private final int port;
  private final Duration timeout;

  /** The agent on {@code host}'s {@code port}; {@code host} is an address, never a name. */
  public GuestAgent(String host, int port, Duration timeout) {
    this.host = host;
    this.port = port;
    this.timeout = timeout;
  }

  /** The version in the guest's {@code /etc/template-version}. */
  public String version() throws IOException {
    return get("/version").strip();
  }

  /**
   * {@code /cgi-bin/info} as key/values: version, instance, uptime and {@code config.<key>} per
   * configured value.
   */
  public Map<String, String> info() throws IOException {
    Map<String, String> info = new LinkedHashMap<>();
    for (String line : get("/cgi-bin/info").split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        info.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return info;
  }

  /** Writes {@code key=value} lines into the guest's configuration file. */
  public String configure(String body) throws IOException {
    return post("/cgi-bin/configure", body);
  }

  /** Runs a shell script in the guest; fails when it exits non-zero. */
  public String run(String script) throws IOException {
    return post("/cgi-bin/run", script);
  }

  /** Removes per-instance state; the guest powers itself off right after answering. */
  public String seal() throws IOException {
    return post("/cgi-bin/seal", "");
  }

  /** Removes user data so the VM can serve its owner's next lease. */
  public String clean() throws IOException {
    return post("/cgi-bin/clean", "");
  }

  private String get(String path) throws IOException {
    return send(HttpRequest.newBuilder(uri(path)).timeout(timeout).GET().build());
  }

  private String post(String path, String body) throws IOException {
    return send(
        HttpRequest.newBuilder(uri(path))
            .timeout(timeout)
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build());
  }

  private URI uri(String path) {
    // An IPv6 address needs brackets in a URI.
    String h = host.contains(":") ? "[" + host + "]" : host;
    return URI.create("http://" + h + ":" + port + path);
  }

  private static String send(HttpRequest request) throws IOException {
    try {
      HttpResponse<String> response =
          HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() / 100 != 2) {
        String body = response.body().strip();
        // The reply ends up in a build's error; a script that printed pages must not flood it.
        throw new Refused(
            "guest agent "
                + request.uri().getPath()
                + " answered "
                + response.statusCode()
                + ": "
                + (body.length() > 500 ? "…" + body.substring(body.length() - 500) : body));
      }
      return response.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
