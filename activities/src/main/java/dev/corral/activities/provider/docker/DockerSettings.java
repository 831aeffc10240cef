package dev.corral.activities.provider.docker;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.ProviderSettings;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Knobs of the docker provider: one Docker Engine API endpoint (Docker, or Podman's compatible
 * service), where its containers' guest ports are published, and how big a container may get.
 *
 * @param host the endpoint: {@code unix:///path/to/docker.sock} or {@code tcp://host:port}
 * @param tlsCertDir for a {@code tcp://} host, the directory holding the client certificate ({@code
 *     ca.pem}, {@code cert.pem}, {@code key.pem}); null for a unix socket
 * @param publishAddress the host address each guest port is published on (a random free port)
 * @param address the address lease replies name and Corral reaches the guest agent on; the publish
 *     address unless that is a wildcard or the daemon is another machine
 * @param ports guest TCP ports by the name a lease reply gives them; each is published
 * @param memoryMb memory limit of a container whose pool names none
 * @param cpus CPU limit of a container whose pool names none
 * @param scope what the labels of this provider's containers say; containers of another scope
 *     (another provider on the same daemon) are never listed or destroyed. Null means the
 *     provider's name.
 * @param connectTimeoutSeconds how long connecting to the daemon may take
 * @param apiTimeoutSeconds how long one API call may take (a commit of a large container is the
 *     longest)
 */
public record DockerSettings(
    String host,
    String tlsCertDir,
    String publishAddress,
    String address,
    Map<String, Integer> ports,
    int memoryMb,
    int cpus,
    String scope,
    int connectTimeoutSeconds,
    int apiTimeoutSeconds)
    implements ProviderSettings {

  public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
  public static final String DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_MEMORY_MB = 256;
  public static final int DEFAULT_CPUS = 1;
  public static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 5;
  public static final int DEFAULT_API_TIMEOUT_SECONDS = 120;

  public DockerSettings {
    // The order written is the order lease replies list them in.
    ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
  }

  /** Settings with the defaults for everything but the endpoint. */
  public static DockerSettings of(String host) {
    return new DockerSettings(
        host,
        null,
        DEFAULT_PUBLISH_ADDRESS,
        DEFAULT_PUBLISH_ADDRESS,
        GuestContract.DEFAULT_PORTS,
        DEFAULT_MEMORY_MB,
        DEFAULT_CPUS,
        null,
        DEFAULT_CONNECT_TIMEOUT_SECONDS,
        DEFAULT_API_TIMEOUT_SECONDS);
  }

  public DockerSettings withScope(String newScope) {
    return new DockerSettings(
        host,
        tlsCertDir,
        publishAddress,
        address,
        ports,
        memoryMb,
        cpus,
        newScope,
        connectTimeoutSeconds,
        apiTimeoutSeconds);
  }

  public DockerSettings withPublishAddress(String bind, String reachedAt) {
    return new DockerSettings(
        host,
        tlsCertDir,
        bind,
        reachedAt,
        ports,
        memoryMb,
        cpus,
        scope,
        connectTimeoutSeconds,
        apiTimeoutSeconds);
  }
}
