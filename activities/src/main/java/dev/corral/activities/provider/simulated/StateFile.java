package dev.corral.activities.provider.simulated;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm.PowerState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON file that makes the simulated hypervisor outlive a Corral restart. It is rewritten whole
 * on every change, through a temporary file and a rename, so a crash mid-write leaves the previous
 * version, never half of one.
 */
final class StateFile {
  private static final Logger log = LoggerFactory.getLogger(StateFile.class);

  /**
   * What {@link #write} writes; {@code version} 1 files (no templates) load as if the catalogue
   * held none.
   */
  static final int VERSION = 2;

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** The file's whole content. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Contents(
      int version,
      String provider,
      long ipCounter,
      List<VmRecord> vms,
      List<TemplateRecord> templates,
      List<String> deletedTemplates) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record VmRecord(
      String name,
      String template,
      PowerState state,
      String hostname,
      String ip,
      Instant createdAt,
      Instant bootDoneAt,
      String bootFailReason,
      String guestVersion,
      Map<String, String> configuration,
      boolean sealed,
      Map<String, Instant> snapshots,
      Map<String, Integer> disks,
      String revertedTo,
      int reverts) {}

  private final Path path;

  StateFile(Path path) {
    this.path = path;
  }

  Path path() {
    return path;
  }

  /** The contents, or empty when there is no file yet. */
  Optional<Contents> read() {
    if (!Files.exists(path)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(path.toFile(), Contents.class));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read simulated provider state " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the file atomically; a failure is transient (the next change writes everything again).
   */
  void write(Contents contents) {
    Path dir = path.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, path.getFileName().toString() + ".", ".tmp");
      Files.write(tmp, JSON.writeValueAsBytes(contents));
      try {
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      log.error("provider {}: cannot write state file {}", contents.provider(), path, e);
      ProviderException pe =
          ProviderException.transientFailure(
              "cannot persist simulated provider state to " + path + ": " + e.getMessage());
      pe.initCause(e);
      throw pe;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }
}
