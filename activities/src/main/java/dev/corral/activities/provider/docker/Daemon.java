package dev.corral.activities.provider.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import dev.corral.activities.provider.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one client of a provider to its Docker Engine API endpoint, built on first use and built
 * again after a call failed for want of the daemon (it restarted, its socket was recreated, the
 * link went down), so a daemon that comes back is used again without restarting Corral. A daemon
 * that cannot be reached fails each call as a passing {@link ProviderException} naming the
 * endpoint, which is what shows the provider as unreachable; nothing waits for it to come back.
 *
 * <p>The client is thread-safe: calls share it.
 */
final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** One API call; the API's own errors (404, 409) it may catch and type itself. */
  @FunctionalInterface
  interface Call<T> {
    T call(DockerClient docker) throws IOException;
  }

  /** A call on the raw HTTP client, for what docker-java does not say (a commit's changes). */
  @FunctionalInterface
  interface HttpCall<T> {
    T call(DockerHttpClient http) throws IOException;
  }

  private final String provider;
  private final DockerSettings settings;
  private Clients clients; // guarded by this

  private record Clients(DockerClient docker, DockerHttpClient http) {}

  Daemon(String provider, DockerSettings settings) {
    this.provider = provider;
    this.settings = settings;
  }

  String host() {
    return settings.host();
  }

  /**
   * Runs {@code call} with the client. An error answer of the API that {@code call} did not type
   * fails it for a passing reason; so does a daemon that does not answer, after which the next call
   * builds a new client.
   */
  <T> T with(String what, Call<T> call) {
    Clients c = open();
    try {
      return call.call(c.docker());
    } catch (ProviderException e) {
      throw e;
    } catch (DockerException e) {
      throw ProviderException.transientFailure(
          what + " on " + settings.host() + " failed: " + message(e));
    } catch (IOException | RuntimeException e) {
      throw failed(c, e);
    }
  }

  /** {@link #with} for a request docker-java has no command for. */
  <T> T withHttp(String what, HttpCall<T> call) {
    Clients c = open();
    try {
      return call.call(c.http());
    } catch (ProviderException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw failed(c, e);
    }
  }

  /**
   * A failure of the transport (docker-java wraps the socket's IOException in a RuntimeException)
   * means the daemon is gone: the client is dropped and the call fails for a passing reason. Any
   * other exception is a bug here, and stays what it is.
   */
  private RuntimeException failed(Clients c, Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        drop(c, e);
        return unreachable(e);
      }
    }
    return (RuntimeException) e;
  }

  private synchronized Clients open() {
    if (clients != null) {
      return clients;
    }
    DefaultDockerClientConfig.Builder config =
        DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(settings.host());
    if (settings.tlsCertDir() != null) {
      config.withDockerTlsVerify(true).withDockerCertPath(settings.tlsCertDir());
    } else {
      // DOCKER_TLS_VERIFY in Corral's environment must not change what the config says.
      config.withDockerTlsVerify(false);
    }
    DefaultDockerClientConfig built = config.build();
    DockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(URI.create(settings.host()))
            .sslConfig(built.getSSLConfig())
            .connectionTimeout(Duration.ofSeconds(settings.connectTimeoutSeconds()))
            .responseTimeout(Duration.ofSeconds(settings.apiTimeoutSeconds()))
            // A pool fill runs max_concurrent_clones calls at once, and readiness probes meanwhile.
            .maxConnections(64)
            .build();
    clients = new Clients(DockerClientImpl.getInstance(built, http), http);
    return clients;
  }

  private synchronized void drop(Clients c, Exception e) {
    if (clients == c) {
      log.warn(
          "provider {}: Docker endpoint {} did not answer ({}); the next call connects again",
          provider,
          settings.host(),
          e.toString());
      closeQuietly(c);
      clients = null;
    }
  }

  private ProviderException unreachable(Exception e) {
    return ProviderException.transientFailure(
        "provider "
            + provider
            + ": Docker endpoint "
            + settings.host()
            + " unreachable: "
            + (e.getMessage() == null ? e.toString() : e.getMessage()));
  }

  /** The daemon's own words: docker-java puts the JSON answer {"message": ...} in its message. */
  static String message(DockerException e) {
    String m = String.valueOf(e.getMessage()).strip();
    int at = m.indexOf("{\"message\":\"");
    if (at >= 0) {
      int end = m.indexOf('"', at + 12);
      if (end > at) {
        return m.substring(at + 12, end) + " (HTTP " + e.getHttpStatus() + ")";
      }
    }
    return m;
  }

  private void closeQuietly(Clients c) {
    try {
      c.docker().close();
    } catch (IOException | RuntimeException e) {
      log.debug("provider {}: closing {}: {}", provider, settings.host(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (clients != null) {
      closeQuietly(clients);
      clients = null;
    }
  }
}
