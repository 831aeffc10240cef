package dev.corral.activities.provider.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the QEMU tools as child processes, with a deadline, and hands back what they printed. */
final class Commands {
  /** How a finished command ended; {@code output} is stdout and stderr together, trimmed. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private Commands() {}

  /**
   * Runs {@code command} in {@code workDir} (null: the JVM's) and waits at most {@code timeout}. A
   * command that overruns is killed and reported with exit code -1, so a hung tool never holds an
   * activity forever.
   */
  static Result run(List<String> command, Path workDir, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return new Result(-1, "cannot run " + command.get(0) + ": " + e.getMessage());
    }
    // Read while it runs: a tool that fills the pipe would otherwise block before it exits. With
    // -daemonize,
    // QEMU's parent exits once the VM runs and the daemon's stdio goes to /dev/null, so the pipe
    // closes.
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, command.get(0) + " did not finish within " + timeout);
      }
      return new Result(process.exitValue(), output.get(5, TimeUnit.SECONDS).strip());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(-1, command.get(0) + " interrupted");
    } catch (Exception e) {
      return new Result(process.exitValue(), "");
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
