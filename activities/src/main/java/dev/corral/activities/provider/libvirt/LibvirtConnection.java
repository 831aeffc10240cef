package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one connection of a provider to its libvirt host, opened on first use and opened again after
 * it dropped (libvirtd restarted, the link went down, keepalive gave up). A host that cannot be
 * reached fails each call as a passing {@link ProviderException} naming the URI, which is what
 * shows the provider as unreachable; nothing waits for the host to come back.
 *
 * <p>A libvirt connection may be used from many threads at once, so calls share it.
 */
final class LibvirtConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LibvirtConnection.class);

  /** One libvirt call; its own failures it may catch and type itself. */
  @FunctionalInterface
  interface Call<T> {
    T call(Connect connect) throws LibvirtException;
  }

  private static final AtomicBoolean EVENT_LOOP = new AtomicBoolean();

  /**
   * libvirt prints every error to stderr unless told otherwise; Corral gets each as an exception
   * and logs what matters, and "no such volume" while deleting what is gone is not news. Held here
   * so the native callback is never collected.
   */
  private static final org.libvirt.jna.Libvirt.VirErrorCallback SILENT = (userData, error) -> {};

  private final String provider;
  private final LibvirtSettings settings;
  private Connect connect; // guarded by this
  private volatile boolean dropped;

  LibvirtConnection(String provider, LibvirtSettings settings) {
    this.provider = provider;
    this.settings = settings;
  }

  /**
   * Runs {@code call} on the open connection. A lost connection is dropped, so the next call opens
   * a new one, and fails this call for a passing reason; another libvirt error fails it for a
   * passing reason too unless {@code call} typed it.
   */
  <T> T with(String what, Call<T> call) {
    Connect c = open();
    try {
      return call.call(c);
    } catch (LibvirtException e) {
      if (lost(c, e)) {
        drop(c, e.getMessage());
        throw unreachable(e);
      }
      throw ProviderException.transientFailure(
          what + " on " + settings.uri() + " failed: " + message(e));
    }
  }

  /** Whether the host answers now; used at start-up, where an unreachable host is only logged. */
  boolean reachable() {
    try {
      with("connect", c -> c.getLibVirVersion());
      return true;
    } catch (ProviderException e) {
      return false;
    }
  }

  private synchronized Connect open() {
    if (connect != null && !dropped) {
      return connect;
    }
    if (connect != null) {
      closeQuietly(connect);
      connect = null;
    }
    startEventLoop();
    try {
      Connect.setErrorCallback(SILENT);
      Connect c = new Connect(settings.uri(), false);
      // Keepalive needs the event loop above; a transport without it (a local socket on an old
      // libvirt) refuses, which costs nothing there: a local daemon's death closes the socket.
      try {
        c.setKeepAlive(settings.keepaliveIntervalSeconds(), settings.keepaliveCount());
      } catch (LibvirtException e) {
        log.debug("provider {}: no keepalive on {}: {}", provider, settings.uri(), message(e));
      }
      c.registerCloseListener(
          (conn, reason) -> {
            dropped = true;
            log.warn(
                "provider {}: connection to {} closed ({}); the next call reconnects",
                provider,
                settings.uri(),
                reason);
          });
      dropped = false;
      connect = c;
      log.info("provider {}: connected to {}", provider, settings.uri());
      return c;
    } catch (LibvirtException e) {
      throw unreachable(e);
    }
  }

  private synchronized void drop(Connect c, String reason) {
    if (connect == c) {
      log.warn(
          "provider {}: connection to {} lost ({}); the next call reconnects",
          provider,
          settings.uri(),
          reason);
      closeQuietly(c);
      connect = null;
    }
  }

  /**
   * A call failed because the connection did, not because of what it asked: the error says so, or
   * the connection no longer answers.
   */
  private static boolean lost(Connect c, LibvirtException e) {
    ErrorNumber code = e.getError() == null ? null : e.getError().getCode();
    if (code == ErrorNumber.VIR_ERR_SYSTEM_ERROR
        || code == ErrorNumber.VIR_ERR_RPC
        || code == ErrorNumber.VIR_ERR_NO_CONNECT
        || code == ErrorNumber.VIR_ERR_INVALID_CONN) {
      return true;
    }
    try {
      return !c.isAlive();
    } catch (LibvirtException | RuntimeException notAnswering) {
      return true;
    }
  }

  private ProviderException unreachable(LibvirtException e) {
    return ProviderException.transientFailure(
        "provider " + provider + ": libvirt at " + settings.uri() + " unreachable: " + message(e));
  }

  static String message(LibvirtException e) {
    return e.getError() != null && e.getError().getMessage() != null
        ? e.getError().getMessage().strip()
        : String.valueOf(e.getMessage());
  }

  static boolean is(LibvirtException e, ErrorNumber code) {
    return e.getError() != null && e.getError().getCode() == code;
  }

  /**
   * libvirt delivers keepalive replies and close events from its event loop; one loop thread serves
   * every connection of the JVM, and it is a daemon so it never holds the JVM up.
   */
  private static void startEventLoop() {
    if (!EVENT_LOOP.compareAndSet(false, true)) {
      return;
    }
    try {
      Library.initEventLoop();
    } catch (LibvirtException e) {
      log.warn("libvirt event loop not started ({}): no keepalive", message(e));
      return;
    }
    Thread loop =
        new Thread(
            () -> {
              try {
                Library.runEventLoop();
              } catch (LibvirtException | InterruptedException e) {
                log.warn("libvirt event loop ended: {}", e.getMessage());
              }
            },
            "libvirt-events");
    loop.setDaemon(true);
    loop.start();
  }

  private void closeQuietly(Connect c) {
    try {
      c.unregisterCloseListener();
    } catch (LibvirtException | RuntimeException e) {
      // Gone with the connection.
    }
    try {
      c.close();
    } catch (LibvirtException | RuntimeException e) {
      log.debug("provider {}: closing {}: {}", provider, settings.uri(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (connect != null) {
      closeQuietly(connect);
      connect = null;
    }
  }
}
