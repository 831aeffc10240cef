package dev.corral.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corral.activities.testing.TestDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, driven as a person would drive it: open a page, click a button, read
 * what the browser then shows. It speaks the DevTools protocol over a loopback WebSocket and uses
 * only the DOM and input domains (no script runs in the page, whose policy allows none). Like
 * {@link HeadlessChromium} it needs {@code /usr/bin/chromium}, which {@code .ci/run} installs.
 */
final class ChromiumSession implements AutoCloseable {
  private static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final Process chromium;
  private final WebSocket socket;
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final StringBuilder partial = new StringBuilder();
  private final String session;

  private ChromiumSession(Process chromium, URI browser) throws Exception {
    this.chromium = chromium;
    this.socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(browser, new Listener())
            .get(30, TimeUnit.SECONDS);
    String target =
        call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
    this.session =
        call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
            .get("sessionId")
            .asText();
    call(session, "Page.enable", Map.of());
    call(session, "Network.enable", Map.of());
  }

  /** A browser whose every request carries {@code headers} (say, its user's credentials). */
  static ChromiumSession start(Map<String, String> headers) {
    if (!java.nio.file.Files.isExecutable(EXECUTABLE)) {
      throw new AssertionError(
          EXECUTABLE + " is missing: install Debian's chromium package (.ci/run does)");
    }
    Path dir = TestDirs.fresh("chromium-session");
    try {
      Files.createDirectories(dir);
      Process p =
          new ProcessBuilder(
                  EXECUTABLE.toString(),
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--no-first-run",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--disable-dev-shm-usage",
                  "--remote-debugging-address=127.0.0.1",
                  "--remote-debugging-port=0",
                  "--user-data-dir=" + dir.resolve("profile"),
                  "about:blank")
              .redirectOutput(dir.resolve("stdout.txt").toFile())
              .start();
      BufferedReader err =
          new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
      String line;
      URI browser = null;
      while ((line = err.readLine()) != null) {
        int at = line.indexOf("ws://");
        if (line.startsWith("DevTools listening on") && at >= 0) {
          browser = URI.create(line.substring(at).strip());
          break;
        }
      }
      if (browser == null) {
        p.destroyForcibly();
        throw new AssertionError("chromium printed no DevTools address");
      }
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (err.readLine() != null) {
                    // Chromium's own chatter; read so that it never blocks on a full pipe.
                  }
                } catch (IOException e) {
                  // The browser ended.
                }
              });
      drain.setDaemon(true);
      drain.start();
      ChromiumSession s = new ChromiumSession(p, browser);
      s.call(s.session, "Network.setExtraHTTPHeaders", Map.of("headers", headers));
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new AssertionError("chromium's DevTools did not answer: " + e, e);
    }
  }

  /** Loads {@code url} and returns the page's HTML once it has loaded. */
  String open(String url) {
    call(session, "Page.navigate", Map.of("url", url));
    return awaitPage(html -> html.contains("</body>"));
  }

  /** Clicks the element {@code selector} names, then returns the HTML of the page it leads to. */
  String click(String selector, java.util.function.Predicate<String> arrived) {
    int root = call(session, "DOM.getDocument", Map.of()).get("root").get("nodeId").asInt();
    int node =
        call(session, "DOM.querySelector", Map.of("nodeId", root, "selector", selector))
            .get("nodeId")
            .asInt();
    if (node == 0) {
      throw new AssertionError("no " + selector + " on the page: " + html());
    }
    JsonNode quad = call(session, "DOM.getBoxModel", Map.of("nodeId", node)).get("model");
    JsonNode content = quad.get("content");
    double x = (content.get(0).asDouble() + content.get(4).asDouble()) / 2;
    double y = (content.get(1).asDouble() + content.get(5).asDouble()) / 2;
    for (String type : List.of("mousePressed", "mouseReleased")) {
      call(
          session,
          "Input.dispatchMouseEvent",
          Map.of("type", type, "x", x, "y", y, "button", "left", "clickCount", 1));
    }
    return awaitPage(arrived);
  }

  private String awaitPage(java.util.function.Predicate<String> arrived) {
    long deadline = System.nanoTime() + CALL_TIMEOUT.toNanos();
    String html = "";
    while (System.nanoTime() < deadline) {
      try {
        html = html();
        if (arrived.test(html)) {
          return html;
        }
      } catch (AssertionError e) {
        // The document is being replaced by the navigation: ask again.
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("the page did not arrive within " + CALL_TIMEOUT + ": " + html);
  }

  /** The HTML the browser shows now. */
  String html() {
    int root = call(session, "DOM.getDocument", Map.of()).get("root").get("nodeId").asInt();
    return call(session, "DOM.getOuterHTML", Map.of("nodeId", root)).get("outerHTML").asText();
  }

  private JsonNode call(String sessionId, String method, Map<String, ?> params) {
    int id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode();
    message.put("id", id);
    message.put("method", method);
    message.set("params", JSON.valueToTree(params));
    if (sessionId != null) {
      message.put("sessionId", sessionId);
    }
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      synchronized (socket) {
        socket.sendText(message.toString(), true).get(10, TimeUnit.SECONDS);
      }
      JsonNode answer = reply.get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (answer.has("error")) {
        throw new AssertionError(method + ": " + answer.get("error"));
      }
      return answer.get("result");
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(method + " got no answer: " + e, e);
    } finally {
      pending.remove(id);
    }
  }

  @Override
  public void close() {
    socket.abort();
    chromium.descendants().forEach(ProcessHandle::destroyForcibly);
    chromium.destroyForcibly();
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode message = JSON.readTree(partial.toString());
          if (message.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(message.get("id").asInt());
            if (f != null) {
              f.complete(message);
            }
          }
        } catch (IOException e) {
          // Not JSON: nothing waits for it.
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }
}
