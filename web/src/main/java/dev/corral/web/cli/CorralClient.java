package dev.corral.web.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The one HTTP client of the command line: JSON to and from a running Corral's {@code /v1} API at
 * {@code --url} (else {@code CORRAL_URL}, else {@link #DEFAULT_URL}), with {@code --token} (else
 * {@code CORRAL_TOKEN}) sent as {@code X-AUTH-TOKEN}. A refusal becomes a {@link CommandFailed}
 * carrying the server's own message; an unreachable server one naming the URL.
 */
final class CorralClient {
  static final String DEFAULT_URL = "http://127.0.0.1:7070";
  static final String URL_ENV = "CORRAL_URL";
  static final String TOKEN_ENV = "CORRAL_TOKEN";

  /** The options every client command takes (besides {@code --json} and {@code --help}). */
  static final Set<String> OPTIONS = Set.of("--url", "--token");

  static final String OPTIONS_HELP =
      """
        --url URL      the running Corral (default: $CORRAL_URL, else %s)
        --token TOKEN  an API token, sent as X-AUTH-TOKEN (default: $CORRAL_TOKEN)
        --json         print the server's JSON reply instead of a table
      """
          .formatted(DEFAULT_URL);
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A reply: its status and its body as JSON (a JSON string node holding the text when it was not
   * JSON).
   */
  record Reply(int status, JsonNode body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    /** What the server said went wrong: its {@code error} message, else the status and the body. */
    String problem() {
      JsonNode error = body.get("error");
      if (error != null && error.isTextual()) {
        return error.asText();
      }
      String text = body.isTextual() ? body.asText() : body.toString();
      return "HTTP " + status + (text.isBlank() ? "" : ": " + clip(text.strip(), 300));
    }
  }

  private final String url;
  private final String token;
  private final HttpClient http;

  private CorralClient(String url, String token) {
    this.url = url;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  }

  static CorralClient of(Args args, Map<String, String> env) throws UsageException {
    String url = firstSet(args.value("--url"), env.get(URL_ENV), DEFAULT_URL).replaceAll("/+$", "");
    try {
      URI uri = URI.create(url);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException("give http://HOST:PORT");
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException("bad URL '" + url + "': " + e.getMessage());
    }
    return new CorralClient(url, firstSet(args.value("--token"), env.get(TOKEN_ENV), null));
  }

  String url() {
    return url;
  }

  JsonNode get(String path) throws CommandFailed {
    return call("GET", path, null, DEFAULT_TIMEOUT);
  }

  JsonNode post(String path, JsonNode body) throws CommandFailed {
    return call("POST", path, body, DEFAULT_TIMEOUT);
  }

  JsonNode delete(String path) throws CommandFailed {
    return call("DELETE", path, null, DEFAULT_TIMEOUT);
  }

  /** The reply's body when it is a success; otherwise fails with the server's message. */
  JsonNode call(String method, String path, JsonNode body, Duration timeout) throws CommandFailed {
    Reply reply = send(method, path, body, timeout);
    if (!reply.ok()) {
      throw new CommandFailed(reply.problem());
    }
    return reply.body();
  }

  /** Any reply the server gives; fails only when it cannot be reached. */
  Reply send(String method, String path, JsonNode body, Duration timeout) throws CommandFailed {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(timeout)
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("X-AUTH-TOKEN", token);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CommandFailed("cannot reach Corral at " + url + ": " + why(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailed("interrupted while waiting for " + url);
    }
    return new Reply(response.statusCode(), parse(response.body()));
  }

  /** A path segment (a lease id, a pool name) made safe for a URL. */
  static String segment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String pretty(JsonNode node) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return node.toString();
    }
  }

  static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static JsonNode parse(String text) {
    try {
      JsonNode node = text == null || text.isBlank() ? null : JSON.readTree(text);
      return node == null ? JSON.getNodeFactory().textNode(text == null ? "" : text) : node;
    } catch (IOException notJson) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  private static String why(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    if (e instanceof HttpTimeoutException) {
      return "no reply in time";
    }
    if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
      return "connection refused (is Corral running there? set --url or " + URL_ENV + ")";
    }
    if (e instanceof UnknownHostException || e.getCause() instanceof UnknownHostException) {
      return "unknown host";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static String firstSet(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
