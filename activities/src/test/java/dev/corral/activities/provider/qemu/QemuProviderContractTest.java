package dev.corral.activities.provider.qemu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderContract;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ProviderConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The QEMU provider against the provider kit, with real guests (tools/guest) under TCG. QEMU and
 * the guest's Debian packages must be installed: where they are missing, building the guest fails
 * with build.sh's message.
 */
class QemuProviderContractTest extends ProviderContract {
  private static final Duration QMP = Duration.ofSeconds(10);

  private Path vmsDir;

  @Override
  protected VmProvider newProvider(String name) {
    QemuGuest.Build guest = QemuGuest.of("1.2.3");
    Path root = QemuGuest.shortDir("qk");
    guest.installAs(root.resolve("templates"), "base", "guest");
    vmsDir = root.resolve("vms");
    QemuSettings settings =
        new QemuSettings(
            root.resolve("templates"),
            guest.kernel(),
            guest.initrd(),
            "tcg",
            128,
            1,
            vmsDir,
            QemuSettings.DEFAULT_PORTS,
            QemuSettings.DEFAULT_QEMU_BINARY,
            QemuSettings.DEFAULT_QEMU_IMG);
    return QemuProvider.create(new ProviderConfig(name, "qemu", 4, 2, settings), root);
  }

  @Override
  protected String template() {
    return "base";
  }

  /** Two cores shared with compilers: a TCG boot takes 4-5 s alone and much longer under load. */
  @Override
  protected Duration bootTimeout() {
    return Duration.ofSeconds(90);
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
    int port = provider.get(vmName).orElseThrow().ports().get(QemuSettings.AGENT_PORT);
    try (Qmp qmp = Qmp.connect(new VmDir(vmsDir, vmName).qmpSocket(), QMP)) {
      String out = qmp.human("hostfwd_remove n0 tcp:127.0.0.1:" + port, QMP);
      assertTrue(out.isBlank() || out.contains("removed"), "hostfwd_remove: " + out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
