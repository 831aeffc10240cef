package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.workflows.ErrorTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Templates as the daemon holds them: each tag of an image carrying Corral's template labels is a
 * template, named by its reference as written ({@code corral-guest:1.2.3}, {@code corral-guest} for
 * {@code :latest}), whichever daemon added a registry prefix to it.
 */
final class Images {
  /** A reference Docker and Podman both accept: lowercase repository path, optional tag. */
  private static final Pattern REFERENCE =
      Pattern.compile(
          "[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"
              + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?");

  /**
   * What the daemons prefix a local name with: Podman's {@code localhost/}, Docker's default
   * registry for names pulled from it.
   */
  private static final List<String> PREFIXES =
      List.of("localhost/", "docker.io/library/", "docker.io/");

  /** A template the daemon holds: the image's id and what its labels say. */
  record Found(String name, String imageId, TemplateSidecar labels) {
    ProviderTemplate describe() {
      return labels.describe(name);
    }
  }

  private Images() {}

  static boolean validName(String name) {
    return name != null && name.length() <= 255 && REFERENCE.matcher(name).matches();
  }

  /** Every template, one per tag. */
  static List<Found> list(DockerClient docker) {
    List<Found> found = new ArrayList<>();
    for (Image image : docker.listImagesCmd().withLabelFilter(Labels.TEMPLATE_VERSION).exec()) {
      if (image.getRepoTags() == null) {
        continue;
      }
      TemplateSidecar labels = Labels.template(image.getLabels());
      for (String tag : image.getRepoTags()) {
        String name = name(tag);
        if (name != null) {
          found.add(new Found(name, image.getId(), labels));
        }
      }
    }
    return found;
  }

  static Optional<Found> find(DockerClient docker, String template) {
    return list(docker).stream().filter(t -> t.name().equals(template)).findFirst();
  }

  /** The template's name for a tag as the daemon lists it; null for an untagged image. */
  static String name(String repoTag) {
    if (repoTag == null || repoTag.startsWith("<none>")) {
      return null;
    }
    String name = repoTag;
    for (String prefix : PREFIXES) {
      if (name.startsWith(prefix)) {
        name = name.substring(prefix.length());
        break;
      }
    }
    return name.endsWith(":latest") ? name.substring(0, name.length() - ":latest".length()) : name;
  }

  /** {@code [repository, tag]} of a template's name. */
  static String[] repositoryAndTag(String name) {
    int colon = name.lastIndexOf(':');
    if (colon > name.lastIndexOf('/')) {
      return new String[] {name.substring(0, colon), name.substring(colon + 1)};
    }
    return new String[] {name, "latest"};
  }

  /**
   * Removes the template's tag; the image goes with its last tag. A template that is gone is
   * removed already; one a container of any provider still runs from is refused by the daemon,
   * which fails for good.
   */
  static void remove(DockerClient docker, String template) {
    try {
      docker.removeImageCmd(template).withForce(false).exec();
    } catch (NotFoundException gone) {
      // Deleted already.
    } catch (ConflictException inUse) {
      throw ProviderException.permanent(
          ErrorTypes.STEP_FAILED,
          "template "
              + template
              + " is in use: "
              + Daemon.message(inUse)
              + "; remove its containers first");
    }
  }
}
