package dev.corral.activities.provider.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * One VM's directory, which is all the state the QEMU provider keeps of it: the linked clone, the
 * QMP socket, the serial log, QEMU's pidfile and {@code meta.json}. Whatever Corral forgets (a
 * crash, a lost database transaction), the directory still says which VMs exist and how to reach
 * them.
 */
final class VmDir {
  /**
   * What Corral wrote about the VM: its template, when it was made, and the host ports of its
   * forwards.
   */
  record Meta(String template, Instant createdAt, Map<String, Integer> ports, String guestVersion) {
    Meta withPorts(Map<String, Integer> newPorts) {
      return new Meta(template, createdAt, newPorts, guestVersion);
    }

    Meta withGuestVersion(String version) {
      return new Meta(template, createdAt, ports, version);
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final String name;
  private final Path dir;

  VmDir(Path vmsDir, String name) {
    this.name = name;
    this.dir = vmsDir.resolve(name);
  }

  String name() {
    return name;
  }

  Path dir() {
    return dir;
  }

  Path disk() {
    return dir.resolve("disk.qcow2");
  }

  Path qmpSocket() {
    return dir.resolve("qmp.sock");
  }

  Path serialLog() {
    return dir.resolve("serial.log");
  }

  Path pidFile() {
    return dir.resolve("qemu.pid");
  }

  Path extraDisk(String diskId) {
    return dir.resolve("disk-" + diskId + ".qcow2");
  }

  private Path metaFile() {
    return dir.resolve("meta.json");
  }

  boolean exists() {
    return Files.isDirectory(dir);
  }

  /**
   * Whether a QEMU process runs for this VM. QEMU holds an fcntl write lock on its pidfile for its
   * whole life, and {@link FileChannel#tryLock} uses the same locks: unlike a bare PID (PIDs wrap
   * within minutes on a busy host, and an exited daemon stays a zombie until init reaps it), the
   * lock cannot lie.
   */
  boolean running() {
    try (FileChannel channel =
        FileChannel.open(pidFile(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = channel.tryLock();
      if (lock == null) {
        return true;
      }
      lock.release();
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (OverlappingFileLockException e) {
      // Another thread of this JVM is probing the same pidfile right now; QEMU's lock is what it
      // found.
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The PID in the pidfile, only meaningful while {@link #running()} says the lock is held. */
  OptionalLong pid() {
    try {
      return OptionalLong.of(
          Long.parseLong(Files.readString(pidFile(), StandardCharsets.US_ASCII).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  Optional<Meta> meta() {
    try {
      return Optional.of(JSON.readValue(metaFile().toFile(), Meta.class));
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      // A torn write of an earlier crash: treat the VM as unknown rather than failing every
      // listing.
      return Optional.empty();
    }
  }

  /** Writes meta.json atomically (temp file, then rename), so a crash never leaves half of it. */
  void writeMeta(Meta meta) {
    Path tmp = dir.resolve("meta.json.tmp");
    try {
      JSON.writeValue(tmp.toFile(), meta);
      try {
        Files.move(
            tmp, metaFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, metaFile(), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Removes the directory and everything in it; a missing directory is fine. */
  void delete() {
    deleteTree(dir);
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // removed concurrently: what we wanted
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
