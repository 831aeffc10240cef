package dev.corral.activities.provider.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A QMP session over a VM's UNIX socket: greeting, {@code qmp_capabilities}, then commands matched
 * to their replies by id (events in between are skipped). QEMU serves one client per socket, so a
 * session is opened per operation and closed right after; holding one would block every other
 * caller.
 */
final class Qmp implements Closeable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicLong IDS = new AtomicLong();

  private final SocketChannel channel;
  private final BufferedReader in;

  private Qmp(SocketChannel channel) {
    this.channel = channel;
    this.in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
  }

  /**
   * Connects and negotiates. A socket that does not answer within {@code timeout} (another client
   * holds it, QEMU is hung) fails with an IOException rather than blocking the caller.
   */
  static Qmp connect(Path socket, Duration timeout) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      Qmp qmp = new Qmp(channel);
      qmp.withTimeout(
          timeout,
          () -> {
            JsonNode greeting = qmp.readMessage();
            if (!greeting.has("QMP")) {
              throw new IOException("not a QMP greeting: " + greeting);
            }
            qmp.execute("qmp_capabilities", null);
            return null;
          });
      return qmp;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Runs one command and returns its {@code return} value; a QMP error becomes an IOException with
   * its text.
   */
  JsonNode execute(String command, Map<String, Object> arguments) throws IOException {
    String id = "c" + IDS.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("execute", command).put("id", id);
    if (arguments != null) {
      message.set("arguments", JSON.valueToTree(arguments));
    }
    byte[] bytes = (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    while (true) {
      JsonNode reply = readMessage();
      if (reply.has("event") || !id.equals(reply.path("id").asText())) {
        continue;
      }
      if (reply.has("error")) {
        throw new IOException(
            command + ": " + reply.get("error").path("desc").asText(reply.get("error").toString()));
      }
      return reply.path("return");
    }
  }

  /** A human monitor command (info usernet, savevm, loadvm); returns what it printed. */
  String human(String commandLine) throws IOException {
    return execute("human-monitor-command", Map.of("command-line", commandLine)).asText("");
  }

  private JsonNode readMessage() throws IOException {
    String line = in.readLine();
    if (line == null) {
      throw new IOException("QMP connection closed (QEMU exited)");
    }
    return JSON.readTree(line);
  }

  private interface IoCall<T> {
    T call() throws IOException;
  }

  /** Bounds a blocking exchange: the socket is closed when it overruns, which unblocks the read. */
  private <T> T withTimeout(Duration timeout, IoCall<T> call) throws IOException {
    Thread caller = Thread.currentThread();
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(timeout.toMillis());
                channel.close();
              } catch (InterruptedException | IOException done) {
                // finished in time, or already closed
              }
            },
            "qmp-timeout");
    watchdog.setDaemon(true);
    watchdog.start();
    try {
      return call.call();
    } catch (IOException e) {
      if (!channel.isOpen()) {
        throw new IOException(
            "QMP did not answer within " + timeout + " (" + caller.getName() + ")", e);
      }
      throw e;
    } finally {
      watchdog.interrupt();
    }
  }

  /** Runs {@code command} under the same bound as the greeting. */
  JsonNode execute(String command, Map<String, Object> arguments, Duration timeout)
      throws IOException {
    return withTimeout(timeout, () -> execute(command, arguments));
  }

  String human(String commandLine, Duration timeout) throws IOException {
    return withTimeout(timeout, () -> human(commandLine));
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
