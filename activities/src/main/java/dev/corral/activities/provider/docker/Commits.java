package dev.corral.activities.provider.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.corral.activities.provider.ProviderException;
import dev.corral.workflows.ErrorTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A container committed to a tagged image with labels of Corral's choosing, through the API's
 * {@code changes} (Dockerfile {@code LABEL} lines): Podman's compatible service ignores the labels
 * of a commit's body, and both daemons hand the container's labels on to the image unless told
 * otherwise. docker-java's commit has no {@code changes}, so this one request goes by hand.
 */
final class Commits {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Commits() {}

  /**
   * Commits {@code containerId} as {@code repository:tag} carrying {@code labels}, with the
   * container's own labels emptied, and returns the image id. The daemon's refusal fails for good.
   */
  static String commit(
      DockerHttpClient http,
      String containerId,
      String repository,
      String tag,
      Map<String, String> labels)
      throws IOException {
    StringBuilder path =
        new StringBuilder("/commit?container=")
            .append(encode(containerId))
            .append("&repo=")
            .append(encode(repository))
            .append("&tag=")
            .append(encode(tag))
            .append("&pause=false");
    for (String containerLabel : Labels.CONTAINER) {
      // Else a container started from the image by hand would show up as one of Corral's.
      path.append("&changes=").append(encode("LABEL " + containerLabel + "=\"\""));
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      path.append("&changes=")
          .append(encode("LABEL " + label.getKey() + "=" + quoted(label.getValue())));
    }
    DockerHttpClient.Request request =
        DockerHttpClient.Request.builder()
            .method(DockerHttpClient.Request.Method.POST)
            .path(path.toString())
            .putHeader("Content-Type", "application/json")
            // Podman's service reads a body even when it is not used.
            .body(new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8)))
            .build();
    try (DockerHttpClient.Response response = http.execute(request)) {
      JsonNode answer = read(response.getBody());
      if (response.getStatusCode() / 100 != 2) {
        throw ProviderException.permanent(
            ErrorTypes.STEP_FAILED,
            "commit of container "
                + containerId
                + " refused (HTTP "
                + response.getStatusCode()
                + "): "
                + answer.path("message").asText(answer.toString()));
      }
      return answer.path("Id").asText();
    }
  }

  private static JsonNode read(InputStream body) throws IOException {
    byte[] bytes = body.readAllBytes();
    try {
      return JSON.readTree(bytes);
    } catch (IOException notJson) {
      return JSON.getNodeFactory().textNode(new String(bytes, StandardCharsets.UTF_8));
    }
  }

  /** A Dockerfile double-quoted string. */
  static String quoted(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
