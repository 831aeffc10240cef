package dev.corral.activities.store.embedded;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The JVM that {@link EmbeddedMariaDbTest} kills: starts an embedded MariaDB, says where, and
 * waits.
 */
public final class EmbeddedMariaDbChild {
  private static final String URL_LINE = "jdbc-url ";

  private EmbeddedMariaDbChild() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedMariaDb server = EmbeddedMariaDb.start(Path.of(args[0]));
    System.out.println(URL_LINE + server.jdbcUrl());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /**
   * Reads the child's output until it names its JDBC URL; fails with what it said when it dies or
   * is slow.
   */
  static String awaitUrl(Process child, Duration within) {
    StringBuilder said = new StringBuilder();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  synchronized (said) {
                    said.append(line).append('\n');
                    said.notifyAll();
                  }
                }
              } catch (java.io.IOException e) {
                // the child died
              }
            },
            "child-output");
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + within.toNanos();
    synchronized (said) {
      while (System.nanoTime() < deadline) {
        int at = said.indexOf(URL_LINE);
        if (at >= 0 && said.indexOf("\n", at) > 0) {
          return said.substring(at + URL_LINE.length(), said.indexOf("\n", at));
        }
        if (!child.isAlive()) {
          break;
        }
        try {
          said.wait(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      throw new AssertionError("the child JVM did not start its MariaDB:\n" + said);
    }
  }
}
