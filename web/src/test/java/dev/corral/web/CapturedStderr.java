package dev.corral.web;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/**
 * What goes to stderr (where Corral's log goes) from {@link #start} until {@link #close}, still
 * passed through to the real stderr.
 */
final class CapturedStderr implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  static CapturedStderr start() {
    CapturedStderr captured = new CapturedStderr();
    PrintStream through = captured.original;
    System.setErr(
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                synchronized (captured.bytes) {
                  captured.bytes.write(b);
                }
                through.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                synchronized (captured.bytes) {
                  captured.bytes.write(b, off, len);
                }
                through.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8));
    return captured;
  }

  /** Everything captured so far, as written. */
  String text() {
    synchronized (bytes) {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }

  /** The non-blank lines captured so far. */
  List<String> lines() {
    return text().lines().filter(l -> !l.isBlank()).toList();
  }

  void await(Duration timeout, Predicate<String> line) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (lines().stream().noneMatch(line)) {
      if (System.nanoTime() > deadline) {
        fail("no such line within " + timeout + " in\n" + String.join("\n", lines()));
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}
