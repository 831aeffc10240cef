package dev.corral.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Predicate;

/** A tiny JSON-over-HTTP client for tests against the running app on loopback. */
final class Http {
  record Reply(int status, JsonNode body, HttpHeaders headers) {
    Reply(int status, JsonNode body) {
      this(status, body, null);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  Http(String base) {
    this.base = base;
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  Reply post(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply put(String path, String body) {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  Reply delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  /**
   * Any method, with extra headers given as name, value, name, value…; {@code body} null sends
   * none.
   */
  Reply send(String method, String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  /**
   * Any method, exactly as given: no Content-Type unless among {@code headers}; {@code body} null
   * sends none.
   */
  Reply sendAsIs(String method, String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  /** Any method with any body publisher (e.g. one of unknown length, which goes out chunked). */
  Reply sendBody(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(method, body)
            .header("Content-Type", "application/json");
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  private Reply send(HttpRequest.Builder request) {
    HttpResponse<String> response = exchange(request);
    try {
      return new Reply(
          response.statusCode(),
          response.body().isEmpty() ? null : JSON.readTree(response.body()),
          response.headers());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> exchange(HttpRequest.Builder request) {
    try {
      return client.send(
          request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A reply read as text: an HTML page, or anything not JSON. */
  record Page(int status, String body, HttpHeaders headers) {}

  /** {@code GET path} read as text, with extra headers given as name, value, name, value… */
  Page page(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    HttpResponse<String> response = exchange(request);
    return new Page(response.statusCode(), response.body(), response.headers());
  }

  /** A form posted as a browser posts it, the reply read as text; headers as for {@link #page}. */
  Page postForm(String path, String form, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .header("Content-Type", "application/x-www-form-urlencoded");
    if (headers.length > 0) {
      request.headers(headers);
    }
    HttpResponse<String> response = exchange(request);
    return new Page(response.statusCode(), response.body(), response.headers());
  }

  /**
   * What the guest agent of a real VM says of itself ({@code /cgi-bin/info}: version, instance,
   * config.KEY), reached on a loopback port the hypervisor forwards to it.
   */
  static Map<String, String> guestInfo(int port) {
    try {
      return new dev.corral.activities.provider.guest.GuestAgent(
              "127.0.0.1", port, java.time.Duration.ofSeconds(10))
          .info();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "guest agent on port " + port + ": " + e.getMessage(), e);
    }
  }

  /** The pool called {@code name} in a {@code GET /v1/pools} reply. */
  static JsonNode pool(JsonNode pools, String name) {
    for (JsonNode pool : pools) {
      if (pool.get("name").asText().equals(name)) {
        return pool;
      }
    }
    throw new AssertionError("no pool " + name + " in " + pools);
  }

  /** The value of an {@code Authorization} header carrying HTTP Basic credentials. */
  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** A new token of {@code user}, got with HTTP Basic from {@code POST /v1/tokens}. */
  String token(String user, String password) {
    Reply reply = send("POST", "/v1/tokens", null, "Authorization", basic(user, password));
    if (reply.status() != 201) {
      throw new AssertionError("no token for " + user + ": " + reply.status() + " " + reply.body());
    }
    return reply.body().get("token").asText();
  }

  /**
   * Polls {@code path} until it answers {@code status}, failing with the last answer after {@code
   * timeout}; extra headers (name, value, …) go with every poll, e.g. the token of a lease's owner.
   */
  Reply awaitStatus(String path, Duration timeout, int status, String... headers) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Reply last = null;
    while (System.nanoTime() < deadline) {
      last = send("GET", path, null, headers);
      if (last.status() == status) {
        return last;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError(
        "GET "
            + path
            + " never answered "
            + status
            + " within "
            + timeout
            + "; last: "
            + (last == null ? "none" : last.status() + " " + last.body()));
  }

  /**
   * Polls {@code path} until {@code condition} holds, failing with the last answer after {@code
   * timeout}; extra headers (name, value, …) go with every poll.
   */
  Reply await(String path, Duration timeout, Predicate<JsonNode> condition, String... headers) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Reply last = null;
    while (System.nanoTime() < deadline) {
      last = send("GET", path, null, headers);
      if (last.status() == 200 && condition.test(last.body())) {
        return last;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError(
        "GET "
            + path
            + " did not reach the expected state within "
            + timeout
            + "; last: "
            + (last == null ? "none" : last.status() + " " + last.body()));
  }
}
