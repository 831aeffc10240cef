package dev.corral.activities.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;

/**
 * The real libvirtd the libvirt tests run against ({@code qemu:///system}), and the storage pools
 * they make on it: each a transient directory pool under {@code target/}, gone with the test. A
 * machine without a running libvirtd fails here with how to start one; .ci/run starts it.
 */
public final class LibvirtHost {
  public static final String URI = "qemu:///system";

  private LibvirtHost() {}

  /** A connection to the local libvirtd; the caller closes it. */
  public static Connect connect() {
    try {
      return new Connect(URI, false);
    } catch (LibvirtException | UnsatisfiedLinkError e) {
      throw new IllegalStateException(
          "the libvirt tests need a running libvirtd at "
              + URI
              + " ("
              + e.getMessage().strip()
              + "). On Debian: apt-get install"
              + " --no-install-recommends libvirt-daemon-system libvirt-daemon-driver-qemu"
              + " libvirt-clients, then `virtlogd -d; libvirtd -d` as root (.ci/run does both)",
          e);
    }
  }

  /** A call on a fresh connection, closed afterwards. */
  @FunctionalInterface
  public interface Call<T> {
    T call(Connect connect) throws LibvirtException;
  }

  public static <T> T with(Call<T> call) {
    Connect c = connect();
    try {
      return call.call(c);
    } catch (LibvirtException e) {
      throw new IllegalStateException(e);
    } finally {
      try {
        c.close();
      } catch (LibvirtException e) {
        // The test's outcome does not depend on it.
      }
    }
  }

  /**
   * The names of the domains whose Corral metadata names {@code scope}, running or not: what a
   * provider of that scope owns on the host.
   */
  public static java.util.List<String> domainsOfScope(String scope) {
    return with(
        c -> {
          java.util.List<String> names = new java.util.ArrayList<>();
          for (org.libvirt.Domain d : c.listAllDomains(0)) {
            try {
              String meta =
                  d.getMetadata(
                      org.libvirt.Domain.MetadataType.ELEMENT,
                      dev.corral.activities.provider.libvirt.LibvirtProvider.METADATA_NAMESPACE,
                      0);
              if (meta.contains("<scope>" + scope + "</scope>")) {
                names.add(d.getName());
              }
            } catch (LibvirtException e) {
              // No Corral metadata, or undefined meanwhile.
            }
          }
          java.util.Collections.sort(names);
          return names;
        });
  }

  /**
   * Destroys and undefines every domain of {@code scope}: Corral leaves them running on purpose.
   */
  public static void removeDomainsOfScope(String scope) {
    for (String name : domainsOfScope(scope)) {
      with(
          c -> {
            try {
              org.libvirt.Domain d = c.domainLookupByName(name);
              if (d.isActive() == 1) {
                d.destroy();
              }
              d.undefine(
                  org.libvirt.Domain.UndefineFlags.MANAGED_SAVE
                      | org.libvirt.Domain.UndefineFlags.SNAPSHOTS_METADATA);
            } catch (LibvirtException e) {
              // Gone meanwhile.
            }
            // What the provider's destroy would remove too: the console log it defined.
            try {
              Files.deleteIfExists(Path.of("/var/log/libvirt/qemu", name + ".console.log"));
            } catch (IOException e) {
              // Not this test's outcome.
            }
            return null;
          });
    }
  }

  /** Where .ci/run (and whoever started libvirtd by hand) keeps libvirtd's pid. */
  public static final Path PID_FILE = Path.of("/run/libvirtd.pid");

  /**
   * Stops libvirtd (SIGTERM, as an operator's restart does: its domains run on), runs {@code
   * whileDown}, and starts it again with the same pid file; returns once it answers.
   */
  public static void restartDaemon(Runnable whileDown) {
    try {
      long pid = Long.parseLong(Files.readString(PID_FILE).strip());
      ProcessHandle daemon =
          ProcessHandle.of(pid)
              .orElseThrow(
                  () -> new IllegalStateException("libvirtd pid " + pid + " is not running"));
      daemon.destroy();
      daemon.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
      whileDown.run();
      Process start =
          new ProcessBuilder("/usr/sbin/libvirtd", "-d", "-p", PID_FILE.toString())
              .redirectErrorStream(true)
              .start();
      if (!start.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || start.exitValue() != 0) {
        throw new IllegalStateException(
            "libvirtd did not start again: " + new String(start.getInputStream().readAllBytes()));
      }
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          new Connect(URI, false).close();
          return;
        } catch (LibvirtException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("libvirtd does not answer after its restart: " + e, e);
          }
          Thread.sleep(200);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException
        | java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("restarting libvirtd: " + e, e);
    }
  }

  /** A storage pool for one test: its directory, its libvirt name, and how to remove both. */
  public record Pool(String name, Path dir) implements AutoCloseable {
    @Override
    public void close() {
      try (Closeable c = new Closeable(connect())) {
        try {
          StoragePool pool = c.connect().storagePoolLookupByName(name);
          pool.destroy();
        } catch (LibvirtException e) {
          // Already gone.
        }
      }
    }
  }

  private record Closeable(Connect connect) implements AutoCloseable {
    @Override
    public void close() {
      try {
        connect.close();
      } catch (LibvirtException e) {
        // The test's outcome does not depend on it.
      }
    }
  }

  /**
   * A new transient directory pool under {@code target/}. QEMU runs as libvirt-qemu: the directory
   * is world-readable and traversable so that it can open the images in it.
   */
  public static Pool pool(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    Path dir = TestDirs.track(Path.of("target", name).toAbsolutePath());
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try (Closeable c = new Closeable(connect())) {
      c.connect()
          .storagePoolCreateXML(
              "<pool type='dir'><name>"
                  + name
                  + "</name><target><path>"
                  + dir
                  + "</path></target></pool>",
              0);
    } catch (LibvirtException e) {
      throw new IllegalStateException("cannot create storage pool " + name + ": " + e, e);
    }
    return new Pool(name, dir);
  }
}
