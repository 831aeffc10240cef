package dev.corral.activities.provider.docker;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.config.SettingsMapping;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Reads a docker provider's keys from the config; each bad value is reported with its key and line.
 */
final class DockerSettingsBinder {
  /** Label values are free text, but the scope also names the provider in messages. */
  private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");

  private DockerSettingsBinder() {}

  /** Reads the keys in the order an "unknown key" problem lists them. */
  static DockerSettings bind(SettingsMapping m) {
    String host = m.nonEmptyString("host", DockerSettings.DEFAULT_HOST);
    boolean tcp = host != null && host.startsWith("tcp://");
    if (host != null && !validHost(host)) {
      m.problem(
          "host",
          "'"
              + host
              + "' is not a Docker endpoint such as unix:///var/run/docker.sock or"
              + " tcp://docker1.example.org:2376");
    }
    String tlsCertDir = m.string("tls_cert_dir", null);
    if (tlsCertDir != null && !tlsCertDir.startsWith("/")) {
      m.problem("tls_cert_dir", "'" + tlsCertDir + "' must be an absolute path");
    } else if (tlsCertDir != null && !tcp) {
      m.problem("tls_cert_dir", "TLS client certificates are for a tcp:// host only");
    } else if (tlsCertDir == null && tcp) {
      m.problem(
          "tls_cert_dir",
          "a tcp:// host needs TLS client certificates: the directory holding ca.pem, cert.pem"
              + " and key.pem (an open Docker port gives root on its host to anyone)");
    }
    String publish = m.nonEmptyString("publish_address", DockerSettings.DEFAULT_PUBLISH_ADDRESS);
    if (publish != null && !ipLiteral(publish)) {
      m.problem(
          "publish_address",
          "'" + publish + "' must be an IP address such as 127.0.0.1 or 0.0.0.0");
    }
    String address = m.string("address", null);
    if (address != null && (address.isBlank() || address.contains("/") || address.contains(" "))) {
      m.problem("address", "'" + address + "' must be a host name or IP address");
    }
    if (address == null) {
      if (wildcard(publish) || tcp) {
        m.problem(
            "address",
            "required when publish_address is a wildcard or the host is another machine: the"
                + " address lease replies name and Corral reaches the guests' ports on");
      }
      address = publish;
    }
    return new DockerSettings(
        host,
        tlsCertDir,
        publish,
        address,
        GuestContract.bindPorts(m),
        // Docker refuses a memory limit below 6 MiB; the cap keeps a typo from asking for
        // terabytes.
        m.integer("memory_mb", DockerSettings.DEFAULT_MEMORY_MB, 6, 1024 * 1024),
        m.integer("cpus", DockerSettings.DEFAULT_CPUS, 1, 256),
        scope(m),
        m.integer(
            "connect_timeout_seconds", DockerSettings.DEFAULT_CONNECT_TIMEOUT_SECONDS, 1, 300),
        m.integer("api_timeout_seconds", DockerSettings.DEFAULT_API_TIMEOUT_SECONDS, 5, 3600));
  }

  private static String scope(SettingsMapping m) {
    String scope = m.string("scope", null);
    if (scope != null && !SCOPE.matcher(scope).matches()) {
      m.problem(
          "scope",
          "'" + scope + "' must be 1-64 letters, digits, '.', '_' or '-', starting with one");
    }
    return scope;
  }

  private static boolean validHost(String host) {
    try {
      URI u = new URI(host);
      if ("unix".equals(u.getScheme())) {
        return u.getPath() != null && u.getPath().startsWith("/") && u.getHost() == null;
      }
      return "tcp".equals(u.getScheme()) && u.getHost() != null && u.getPort() > 0;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  static boolean ipLiteral(String s) {
    return IPV4.matcher(s).matches() || (s.contains(":") && s.matches("[0-9A-Fa-f:.]+"));
  }

  static boolean wildcard(String address) {
    return "0.0.0.0".equals(address) || "::".equals(address);
  }
}
