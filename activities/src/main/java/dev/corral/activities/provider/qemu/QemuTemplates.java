package dev.corral.activities.provider.qemu;

import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateSidecar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The templates directory: template {@code T} is {@code T.qcow2}, described by an optional {@link
 * TemplateSidecar} {@code T.json}. tools/guest/build.sh writes the sidecar of a raw template; the
 * chain's finish step writes the one of a prepared template.
 */
final class QemuTemplates {
  /**
   * A file name, never a path: a template name reaches the filesystem and must not climb out of the
   * directory.
   */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  static final String IMAGE = ".qcow2";
  static final String SIDECAR = ".json";
  static final String PARTIAL = ".part";

  private final Path dir;

  QemuTemplates(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  static boolean validName(String name) {
    return name != null && NAME.matcher(name).matches() && !name.contains("..");
  }

  Path image(String name) {
    return dir.resolve(name + IMAGE);
  }

  Path partialImage(String name) {
    return dir.resolve(name + IMAGE + PARTIAL);
  }

  Path sidecarFile(String name) {
    return dir.resolve(name + SIDECAR);
  }

  boolean exists(String name) {
    return validName(name) && Files.isRegularFile(image(name));
  }

  TemplateSidecar sidecar(String name) {
    Path file = sidecarFile(name);
    if (!Files.isRegularFile(file)) {
      return TemplateSidecar.NONE;
    }
    try {
      return TemplateSidecar.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      return TemplateSidecar.NONE;
    }
  }

  void writeSidecar(String name, TemplateSidecar sidecar) {
    try {
      Files.write(sidecarFile(name), sidecar.toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Optional<ProviderTemplate> describe(String name) {
    if (!exists(name)) {
      return Optional.empty();
    }
    return Optional.of(sidecar(name).describe(name));
  }

  List<ProviderTemplate> list() {
    List<ProviderTemplate> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + IMAGE)) {
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        describe(fileName.substring(0, fileName.length() - IMAGE.length())).ifPresent(out::add);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** Removes the image, its sidecar and any half-written image; missing files are fine. */
  void delete(String name) {
    try {
      Files.deleteIfExists(partialImage(name));
      Files.deleteIfExists(image(name));
      Files.deleteIfExists(sidecarFile(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
