package dev.corral.activities.provider.libvirt;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Whether a libvirt URI names this machine, whose files (console logs, kernels) Corral can read.
 */
final class LocalHost {
  private LocalHost() {}

  /** {@code qemu:///system}, {@code qemu+unix:///session}: no host part, no remote transport. */
  static boolean isLocal(String uri) {
    try {
      URI u = new URI(uri);
      String scheme = u.getScheme() == null ? "" : u.getScheme();
      boolean remoteTransport = scheme.contains("+") && !scheme.endsWith("+unix");
      return !remoteTransport && (u.getHost() == null || u.getHost().isEmpty());
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
