package dev.corral.web;

import dev.corral.activities.testing.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, as a person's browser for tests: a screenshot of a page, and the DOM
 * it built. Each run has a fresh profile under {@code target/} and the flags that keep it off the
 * network (it may reach only the page's loopback address). Chromium is required: {@code .ci/run}
 * installs it.
 */
final class HeadlessChromium {
  private static final Path EXECUTABLE = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 90;

  private final Path workDir;

  HeadlessChromium() {
    if (!Files.isExecutable(EXECUTABLE)) {
      throw new AssertionError(
          EXECUTABLE
              + " is missing: install Debian's chromium package"
              + " (apt-get install chromium; .ci/run does this on a fresh machine)");
    }
    workDir = TestDirs.fresh("chromium");
  }

  /** A PNG of {@code url} as a window of {@code width} x {@code height} shows it. */
  Path screenshot(String url, int width, int height) {
    Path png = workDir.resolve("screenshot-" + System.nanoTime() + ".png");
    run(url, "--window-size=" + width + "," + height, "--hide-scrollbars", "--screenshot=" + png);
    if (!Files.isRegularFile(png)) {
      throw new AssertionError("chromium wrote no screenshot of " + url);
    }
    return png;
  }

  /** The page's DOM after it loaded, serialized as HTML. */
  String dumpDom(String url) {
    return run(url, "--dump-dom");
  }

  /**
   * The DOM of the page the browser shows once {@code url} and every navigation it starts (a form
   * that submits itself, say) have loaded: Chromium's virtual time runs until the network is quiet
   * or the budget is spent.
   */
  String dumpDomAfterNavigations(String url) {
    return run(url, "--virtual-time-budget=15000", "--dump-dom");
  }

  private String run(String url, String... extra) {
    List<String> command =
        new ArrayList<>(
            List.of(
                EXECUTABLE.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + workDir.resolve("profile-" + System.nanoTime())));
    command.addAll(List.of(extra));
    command.add(url);
    try {
      Files.createDirectories(workDir);
      Path stdout = workDir.resolve("stdout-" + System.nanoTime() + ".txt");
      Path stderr = workDir.resolve("stderr-" + System.nanoTime() + ".txt");
      Process chromium =
          new ProcessBuilder(command)
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        chromium.descendants().forEach(ProcessHandle::destroyForcibly);
        chromium.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            "chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
      }
      if (chromium.exitValue() != 0) {
        throw new AssertionError(
            "chromium exited "
                + chromium.exitValue()
                + ": "
                + command
                + "\n"
                + tail(Files.readString(stderr)));
      }
      return Files.readString(stdout);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tail(String text) {
    return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
  }
}
