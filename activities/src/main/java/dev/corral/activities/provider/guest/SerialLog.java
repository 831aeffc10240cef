package dev.corral.activities.provider.guest;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a guest printed on its serial console: the READY marker of the guest contract, and a
 * tail for errors.
 */
public final class SerialLog {
  /**
   * {@code READY <version> <instance-id> [more]}, one line printed once the guest's services are
   * up.
   */
  public record ReadyMarker(String version, String instanceId) {}

  /**
   * The line must be complete: the guest is still writing the log while it is probed, and a read
   * that lands mid-line would otherwise take {@code READY 1.2.3 corr} for an instance id that does
   * not match.
   */
  private static final Pattern READY = Pattern.compile("(?m)^READY (\\S+) (\\S+)[^\\n]*\\n");

  /**
   * The log of a 4 s boot is a few KiB; a guest that spews cannot make every probe read megabytes.
   */
  private static final int MAX_READ = 256 * 1024;

  private SerialLog() {}

  public static Optional<ReadyMarker> ready(Path log) {
    return ready(head(log));
  }

  /**
   * The first READY marker in {@code output}, a guest's output read another way (a container's
   * log).
   */
  public static Optional<ReadyMarker> ready(String output) {
    Matcher m = READY.matcher(output);
    return m.find() ? Optional.of(new ReadyMarker(m.group(1), m.group(2))) : Optional.empty();
  }

  /** The last lines of the log, for error messages ("QEMU exited: ..."). */
  public static String tail(Path log, int lines) {
    String text = lastBytes(log, 4096).replace("\r", "").strip();
    String[] all = text.split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join(" | ", java.util.Arrays.copyOfRange(all, from, all.length));
  }

  private static String head(Path log) {
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      byte[] buf = new byte[(int) Math.min(f.length(), MAX_READ)];
      f.readFully(buf);
      return new String(buf, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }

  private static String lastBytes(Path log, int n) {
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long start = Math.max(0, f.length() - n);
      byte[] buf = new byte[(int) (f.length() - start)];
      f.seek(start);
      f.readFully(buf);
      return new String(buf, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }
}
