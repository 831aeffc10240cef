package dev.corral.activities.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The guest agent of tools/guest, speaking its HTTP protocol on 127.0.0.1, for VMs whose guests
 * never boot (the vCenter simulator's): a version, configure that keeps what it was sent, run that
 * runs the script with sh in a scratch directory (so a failing script really fails), seal and
 * clean. Every VM the simulator "boots" reports 127.0.0.1, so all of them reach this one agent.
 */
public final class GuestAgentDouble implements AutoCloseable {
  private final HttpServer server;
  private final String version;
  private final Path scratch;
  private final List<String> configured = new CopyOnWriteArrayList<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private GuestAgentDouble(HttpServer server, String version, Path scratch) {
    this.server = server;
    this.version = version;
    this.scratch = scratch;
  }

  /** An agent whose guest reports {@code version}, on a free loopback port. */
  public static GuestAgentDouble start(String version) {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
      Path scratch = Files.createTempDirectory("corral-agent-");
      GuestAgentDouble agent = new GuestAgentDouble(server, version, scratch);
      server.createContext("/", agent::handle);
      server.start();
      return agent;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The bodies configure was sent, in order. */
  public List<String> configured() {
    return List.copyOf(configured);
  }

  /** The paths called, in order ({@code /cgi-bin/seal}, ...). */
  public List<String> calls() {
    return List.copyOf(calls);
  }

  /** Stops answering, as a guest whose network dropped would. */
  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    calls.add(path);
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    switch (path) {
      case "/version" -> reply(x, 200, version + "\n");
      case "/cgi-bin/info" -> reply(x, 200, "version=" + version + "\n");
      case "/cgi-bin/configure" -> {
        configured.add(body);
        reply(x, 200, "configured bytes=" + body.length() + "\n");
      }
      case "/cgi-bin/run" -> run(x, body);
      case "/cgi-bin/seal", "/cgi-bin/clean" -> reply(x, 200, "ok\n");
      default -> reply(x, 404, "error: no " + path + "\n");
    }
  }

  private void run(HttpExchange x, String script) throws IOException {
    Process p =
        new ProcessBuilder("sh", "-c", script)
            .directory(scratch.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        reply(x, 500, "error: script timed out\n");
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply(x, 500, "error: interrupted\n");
      return;
    }
    reply(x, p.exitValue() == 0 ? 200 : 500, out + "exit=" + p.exitValue() + "\n");
  }

  private static void reply(HttpExchange x, int status, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }
}
