package dev.corral.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real guest of the QEMU tests, built by the project's own tools/guest/build.sh (never
 * committed): kernel, initrd and base.qcow2 of a version, once per JVM and version, under {@code
 * target/}. A machine without QEMU or the guest's Debian packages fails here with build.sh's
 * message; .ci/run installs them.
 */
public final class QemuGuest {
  /** What build.sh made: {@code dir} holds vmlinuz, initrd.img, base.qcow2 and base.json. */
  public record Build(Path dir, String version) {
    public Path kernel() {
      return dir.resolve("vmlinuz");
    }

    public Path initrd() {
      return dir.resolve("initrd.img");
    }

    public Path baseImage() {
      return dir.resolve("base.qcow2");
    }

    /**
     * Copies the base image into {@code templatesDir} as template {@code name} of {@code group},
     * with the sidecar the QEMU provider reads (as a new build landing in the templates directory
     * would).
     */
    public void installAs(Path templatesDir, String name, String group) {
      try {
        Files.createDirectories(templatesDir);
        Files.copy(baseImage(), templatesDir.resolve(name + ".qcow2"));
        String sidecar =
            "{\"group\":"
                + (group == null ? "null" : "\"" + group + "\"")
                + ",\"version\":\""
                + version
                + "\",\"date\":\""
                + java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                + "\"}";
        Files.writeString(templatesDir.resolve(name + ".json"), sidecar);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final Map<String, Build> BUILT = new HashMap<>();

  private QemuGuest() {}

  public static synchronized Build of(String version) {
    Build built = BUILT.get(version);
    if (built != null) {
      return built;
    }
    Path root = projectRoot();
    Path out = Path.of("target", "guest-" + version).toAbsolutePath();
    try {
      Process p =
          new ProcessBuilder(
                  "bash", root.resolve("tools/guest/build.sh").toString(), out.toString(), version)
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("tools/guest/build.sh failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    built = new Build(out, version);
    BUILT.put(version, built);
    return built;
  }

  /**
   * Whether the process ended (and was reaped) within 10 s. PID 1 here reaps orphans a second or so
   * late, so a daemonized QEMU that exited still looks alive for a moment.
   */
  public static boolean exited(long pid) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /** A short directory under target/: QMP socket paths must stay under 108 bytes. */
  public static Path shortDir(String prefix) {
    String suffix = java.util.UUID.randomUUID().toString().substring(0, 8);
    return TestDirs.track(Path.of("target", prefix + "-" + suffix).toAbsolutePath());
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("tools/guest/build.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "tools/guest/build.sh not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
