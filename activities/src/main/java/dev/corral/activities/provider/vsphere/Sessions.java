package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.vsphere.vim.SoapTransport;
import dev.corral.activities.provider.vsphere.vim.VimFault;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's vCenter sessions: a fixed number, each used by one call at a time, so a slow clone
 * never holds up another caller's session state. Slow work (tasks: clones, power, destroy) may hold
 * all sessions but one; that one is left for quick reads (listings, readiness), which therefore
 * never wait behind clones. A session idle for a while is checked before use and logged in again if
 * vCenter ended it.
 */
final class Sessions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sessions.class);

  /** vCenter's default idle timeout is 30 minutes; a session unused for 5 is checked first. */
  static final Duration CHECK_AFTER_IDLE = Duration.ofMinutes(5);

  /** What a call does with a session; vim25 faults and I/O errors are mapped by {@link #with}. */
  @FunctionalInterface
  interface Call<T> {
    T run(VimSession session) throws IOException;
  }

  private record Idle(VimSession session, long since) {}

  private final String provider;
  private final String url;
  private final Deque<Idle> idle = new ArrayDeque<>();
  private final List<VimSession> all = new CopyOnWriteArrayList<>();
  private final Semaphore sessions;
  private final Semaphore slowWork;

  Sessions(String provider, VsphereSettings settings, int size) {
    this.provider = provider;
    this.url = settings.url().toString();
    SoapTransport transport =
        new SoapTransport(
            settings.url(), tls(settings), Duration.ofSeconds(settings.callTimeoutSeconds()));
    for (int i = 0; i < size; i++) {
      VimSession s = new VimSession(transport, settings.user(), settings.password().value());
      all.add(s);
      idle.add(new Idle(s, System.nanoTime()));
    }
    this.sessions = new Semaphore(size, true);
    this.slowWork = new Semaphore(size - 1, true);
  }

  /**
   * Sessions for a provider: as configured, else its clone and build slots plus one, at least 2.
   */
  static int size(VsphereSettings settings, int cloneSlots, int buildSlots) {
    return settings.sessions() > 0
        ? settings.sessions()
        : Math.max(2, Math.min(32, cloneSlots + buildSlots + 1));
  }

  /** A quick read: never waits behind tasks. */
  <T> T read(String what, Call<T> call) {
    return with(what, call);
  }

  /** Slow work (a task): leaves one session free for reads. */
  <T> T task(String what, Call<T> call) {
    acquire(slowWork);
    try {
      return with(what, call);
    } finally {
      slowWork.release();
    }
  }

  /**
   * A call whose faults and I/O errors the caller handles itself (start-up tells a refused login
   * from an unreachable vCenter).
   */
  <T> T unmapped(Call<T> call) throws IOException {
    acquire(sessions);
    Idle taken;
    synchronized (idle) {
      taken = idle.pollFirst();
    }
    try {
      if (System.nanoTime() - taken.since() > CHECK_AFTER_IDLE.toNanos()) {
        taken.session().check();
      }
      return call.run(taken.session());
    } finally {
      synchronized (idle) {
        idle.addFirst(new Idle(taken.session(), System.nanoTime()));
      }
      sessions.release();
    }
  }

  private <T> T with(String what, Call<T> call) {
    try {
      return unmapped(call);
    } catch (VimFault f) {
      throw fault(what, f);
    } catch (IOException e) {
      throw ProviderException.transientFailure(
          "provider "
              + provider
              + ": "
              + what
              + ": vCenter at "
              + url
              + " unreachable: "
              + (e.getMessage() != null ? e.getMessage() : e.toString()));
    }
  }

  /**
   * A fault no caller handled: a login refused or a vCenter busy passes (an operator fixes the
   * password, vCenter recovers), anything else is the call's own failure and passes too: callers
   * that know a fault is final map it themselves.
   */
  private ProviderException fault(String what, VimFault f) {
    if (f.is(VimFault.INVALID_LOGIN)) {
      return ProviderException.transientFailure(
          "provider "
              + provider
              + ": vCenter at "
              + url
              + " refused the login of the configured"
              + " user (check user and password)");
    }
    return ProviderException.transientFailure(
        "provider " + provider + ": " + what + " failed: " + f.getMessage());
  }

  private static void acquire(Semaphore s) {
    try {
      s.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ProviderException.transientFailure("interrupted while waiting for a vCenter session");
    }
  }

  /** How often the sessions logged in, together: one each until vCenter ends one. */
  int logins() {
    return all.stream().mapToInt(VimSession::logins).sum();
  }

  @Override
  public void close() {
    for (VimSession s : all) {
      s.close();
    }
  }

  private static SSLContext tls(VsphereSettings settings) {
    if (!settings.insecure()) {
      return SoapTransport.trusting(settings.caFile());
    }
    log.warn("vCenter {}: insecure is set, its certificate is not checked", settings.url());
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {new TrustingEveryone()}, null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What {@code insecure: true} asks for, and only that: an extended trust manager, because the JDK
   * verifies the host name inside it (a plain one would still fail on a lab's IP address).
   */
  private static final class TrustingEveryone extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
