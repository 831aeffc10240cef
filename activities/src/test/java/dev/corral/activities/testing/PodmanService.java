package dev.corral.activities.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Podman API service of the docker provider's tests, started by the project's own
 * tools/podman/start.sh on a socket under {@code target/} with tools/podman/containers.conf, and
 * the guest image of tools/guest/container/build.sh, built once if the host has none. A machine
 * without podman fails here with how to install it (.ci/run does); nothing is skipped.
 */
public final class PodmanService implements AutoCloseable {
  /** The guest image's version, as the kit's template reports it. */
  public static final String GUEST_VERSION = "1.2.3";

  /** The guest image the tests tag their templates from. */
  public static final String GUEST_IMAGE = "corral-test-guest:" + GUEST_VERSION;

  /** A service started outside the tests (by .ci/run), as a provider's {@code host}. */
  public static final String HOST_ENV = "CORRAL_TEST_DOCKER_HOST";

  private static PodmanService shared;

  private final Path dir;
  private final String host;
  private final Path socket;
  private final Path pidFile;
  private long pid; // guarded by this; 0 while stopped

  private PodmanService(Path dir, String host) {
    this.dir = dir;
    this.host = host;
    this.socket = dir == null ? null : dir.resolve("podman.sock");
    this.pidFile = dir == null ? null : dir.resolve("podman.pid");
  }

  /**
   * The service most tests share: the one {@code CORRAL_TEST_DOCKER_HOST} names (.ci/run starts
   * one), else one started on first use and stopped when the JVM exits.
   */
  public static synchronized PodmanService shared() {
    String given = System.getenv(HOST_ENV);
    if (shared == null && given != null && !given.isBlank()) {
      requirePodman();
      buildGuestImageIfMissing();
      shared = new PodmanService(null, given);
    }
    if (shared == null) {
      shared = start();
      PodmanService s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "podman-service-stop"));
    }
    return shared;
  }

  /** A service of the caller's own (to stop and start again); the caller closes it. */
  public static PodmanService start() {
    requirePodman();
    Path dir = QemuGuest.shortDir("podman");
    PodmanService s = new PodmanService(dir, "unix://" + dir.resolve("podman.sock"));
    s.startService();
    buildGuestImageIfMissing();
    return s;
  }

  /** The provider's {@code host} setting for this service. */
  public String host() {
    return host;
  }

  /** Stops the service (its containers keep running, as under a real daemon restart). */
  public synchronized void stop() {
    if (pid == 0) {
      return;
    }
    ProcessHandle.of(pid)
        .ifPresent(
            h -> {
              h.destroy();
              try {
                h.onExit().get(10, TimeUnit.SECONDS);
              } catch (java.util.concurrent.TimeoutException e) {
                h.destroyForcibly();
                h.onExit().join();
              } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
              }
            });
    pid = 0;
  }

  /** Starts the service again unless it runs. */
  public synchronized void ensureRunning() {
    if (pid == 0) {
      startService();
    }
  }

  /** Starts the service again on the same socket. */
  public synchronized void startService() {
    if (dir == null) {
      throw new IllegalStateException("the service at " + host + " is not the tests' to start");
    }
    run(
        List.of(
            "bash",
            projectRoot().resolve("tools/podman/start.sh").toString(),
            socket.toString(),
            pidFile.toString(),
            dir.resolve("podman.log").toString()));
    try {
      // Kept here: target/'s clean-up at JVM exit may delete the pid file before close runs.
      pid = Long.parseLong(Files.readString(pidFile).strip());
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("no pid in " + pidFile + ": " + e, e);
    }
  }

  /**
   * Tags the guest image as template {@code name} (a tag costs nothing), so each test may delete
   * its own template.
   */
  public static void tagGuest(String name) {
    run(List.of("podman", "tag", GUEST_IMAGE, name));
  }

  /**
   * The guest as raw template {@code image} of template group {@code group} (its version {@link
   * #GUEST_VERSION}), built anew: the tracker finds it by its labels.
   */
  public static void buildGuestOfGroup(String image, String group) {
    run(
        List.of(
            "bash",
            projectRoot().resolve("tools/guest/container/build.sh").toString(),
            image,
            GUEST_VERSION,
            group));
  }

  /** The output of a podman command, which must succeed. */
  public static String podman(String... args) {
    List<String> command = new ArrayList<>(List.of("podman"));
    command.addAll(List.of(args));
    return run(command);
  }

  /** Whether a podman command succeeds. */
  public static boolean podmanSucceeds(String... args) {
    List<String> command = new ArrayList<>(List.of("podman"));
    command.addAll(List.of(args));
    try {
      run(command);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  @Override
  public void close() {
    stop();
  }

  private static synchronized void buildGuestImageIfMissing() {
    if (podmanSucceeds("image", "exists", GUEST_IMAGE)) {
      return;
    }
    run(
        List.of(
            "bash",
            projectRoot().resolve("tools/guest/container/build.sh").toString(),
            GUEST_IMAGE,
            GUEST_VERSION));
  }

  private static void requirePodman() {
    try {
      run(List.of("podman", "--version"));
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          "the docker provider's tests need podman ("
              + e.getMessage()
              + "). On Debian: apt-get install --no-install-recommends podman runc slirp4netns"
              + " uidmap busybox-static (.ci/run does)",
          e);
    }
  }

  private static String run(List<String> command) {
    Path output;
    try {
      output = Files.createTempFile("podman-", ".out");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    // Output goes to a file, not a pipe read to its end: a hung command must not hang the tests
    // past the timeout below.
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    Map<String, String> env = pb.environment();
    env.put("CONTAINERS_CONF", projectRoot().resolve("tools/podman/containers.conf").toString());
    try {
      Process p = pb.start();
      boolean ended = p.waitFor(120, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly().waitFor();
      }
      String out = Files.readString(output, StandardCharsets.UTF_8);
      if (!ended || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command)
                + (ended ? " failed: " : " did not end within 120 s: ")
                + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      output.toFile().delete();
    }
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("tools/podman/start.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "tools/podman/start.sh not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
