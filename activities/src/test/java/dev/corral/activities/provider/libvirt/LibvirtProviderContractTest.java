package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderContract;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.testing.LibvirtHost;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ProviderConfig;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * The libvirt provider against the provider kit, on the real libvirtd of this machine, with real
 * guests (tools/guest) under TCG and user-mode networking. Each test has its own storage pool and
 * metadata scope, so it never sees another test's domains.
 */
class LibvirtProviderContractTest extends ProviderContract {
  private LibvirtHost.Pool pool;

  @Override
  protected VmProvider newProvider(String name) {
    QemuGuest.Build guest = QemuGuest.of("1.2.3");
    pool = LibvirtHost.pool("lk");
    guest.installAs(pool.dir(), "base", "guest");
    LibvirtSettings settings =
        LibvirtSettings.of(
                LibvirtHost.URI, pool.name(), guest.kernel().toString(), guest.initrd().toString())
            .withScope("kit-" + UUID.randomUUID().toString().substring(0, 8));
    return LibvirtProvider.create(new ProviderConfig(name, "libvirt", 4, 2, settings));
  }

  /** After the kit's own clean-up of the VMs: the pool and its volumes go too. */
  @AfterEach
  void removePool() {
    if (provider != null) {
      provider.inventory().forEach(vm -> provider.destroy(vm.name()));
    }
    if (pool != null) {
      pool.close();
    }
  }

  @Override
  protected String template() {
    return "base";
  }

  /**
   * libvirt adds its own start-up time to a TCG boot (9 s alone), and two cores are shared with
   * compilers.
   */
  @Override
  protected Duration bootTimeout() {
    return Duration.ofSeconds(120);
  }

  /** The group's configure script fails in the guest: running it again would fail again. */
  @Override
  protected Map<String, String> failNextConfigurePermanently(String vmName) {
    return Map.of("script", "echo broken >&2; exit 3");
  }

  /**
   * QEMU stops forwarding the agent's port, as a dropped connection would: the guest itself is
   * fine.
   */
  @Override
  protected void failNextConfigureTransiently(String vmName) {
    int port = provider.get(vmName).orElseThrow().ports().get(GuestContract.AGENT_PORT);
    try (AutoCloseableConnect c = new AutoCloseableConnect(LibvirtHost.connect())) {
      Domain domain = c.connect().domainLookupByName(vmName);
      domain.qemuMonitorCommand("hostfwd_remove corral-n0 tcp:127.0.0.1:" + port, 1);
    } catch (LibvirtException e) {
      throw new IllegalStateException(e);
    }
  }

  private record AutoCloseableConnect(Connect connect) implements AutoCloseable {
    @Override
    public void close() throws LibvirtException {
      connect.close();
    }
  }
}
