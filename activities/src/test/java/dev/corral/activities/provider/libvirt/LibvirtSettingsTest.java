package dev.corral.activities.provider.libvirt;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.config.ConfigException;
import dev.corral.config.ProviderConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A libvirt provider's keys as config loading reads them, and what start-up refuses. */
class LibvirtSettingsTest {

  @Test
  void libvirtSettingsAreReadAsWritten() {
    ProviderConfig p =
        load("""
        providers:
          kvm-east-1:
            type: libvirt
            uri: qemu+ssh://corral@kvm1.example.org/system
            storage_pool: corral
            network: corral-net
            accel: kvm
            kernel: /var/lib/corral/vmlinuz
            initrd: /var/lib/corral/initrd.img
            kernel_args: console=ttyS0
            memory_mb: 1024
            cpus: 2
            ports: {agent: 80, ssh: 22}
            console_log_dir: /var/log/corral
            scope: corral-prod
            keepalive_interval_seconds: 10
            keepalive_count: 6
            max_vms: 20
            max_concurrent_clones: 4
        pools: []
        """)
            .providers()
            .get("kvm-east-1");

    assertEquals(20, p.maxVms());
    assertEquals(4, p.maxConcurrentClones());
    assertEquals(
        new LibvirtSettings(
            "qemu+ssh://corral@kvm1.example.org/system",
            "corral",
            "corral-net",
            null,
            "kvm",
            "/var/lib/corral/vmlinuz",
            "/var/lib/corral/initrd.img",
            "console=ttyS0",
            1024,
            2,
            Map.of("agent", 80, "ssh", 22),
            "/var/log/corral",
            "corral-prod",
            10,
            6),
        p.settings());
    assertEquals(
        List.of("agent", "ssh"),
        List.copyOf(((LibvirtSettings) p.settings()).ports().keySet()),
        "written order");
  }

  @Test
  void defaults_localSystemUri_userNetwork_tcg128MiBOneCpu_agentPortOnly_scopeIsTheName() {
    LibvirtSettings s =
        (LibvirtSettings)
            load("providers: {kvm: {type: libvirt, storage_pool: corral}}\npools: []")
                .providers()
                .get("kvm")
                .settings();

    assertEquals("qemu:///system", s.uri());
    assertEquals("user", s.network());
    assertTrue(s.userNetwork());
    assertNull(s.bridge());
    assertEquals("tcg", s.accel());
    assertEquals(128, s.memoryMb());
    assertEquals(1, s.cpus());
    assertEquals(Map.of("agent", 80), s.ports());
    assertEquals("/var/log/libvirt/qemu", s.consoleLogDir());
    assertNull(s.kernel());
    assertNull(s.scope(), "null: the provider's name");
    assertEquals(5, s.keepaliveIntervalSeconds());
    assertEquals(3, s.keepaliveCount());
  }

  @Test
  void aBridgeReplacesTheNetwork() {
    LibvirtSettings s =
        (LibvirtSettings)
            load("providers: {kvm: {type: libvirt, storage_pool: p, bridge: br0}}\npools: []")
                .providers()
                .get("kvm")
                .settings();

    assertEquals("br0", s.bridge());
    assertNull(s.network());
    assertFalse(s.userNetwork());
  }

  @Test
  void badLibvirtSettings_areProblemsNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        providers:
          kvm:
            type: libvirt
            uri: "not a uri"
            network: net1
            bridge: br0
            accel: hvf
            initrd: relative/initrd.img
            memory_mb: 32
            ports: {ssh: 22}
            keepalive_count: 0
            templates_dir: /x
        """);

    assertTrue(
        problemAt(e, "providers.kvm.storage_pool").message().startsWith("required key is missing"));
    assertEquals(4, problemAt(e, "providers.kvm.uri").line());
    assertEquals(6, problemAt(e, "providers.kvm.bridge").line());
    assertTrue(e.getMessage().contains("set either network or bridge"), e.getMessage());
    assertTrue(
        problemAt(e, "providers.kvm.accel").message().contains("unknown accelerator 'hvf'"),
        e.getMessage());
    assertTrue(
        problemAt(e, "providers.kvm.initrd").message().contains("absolute path"), e.getMessage());
    assertEquals(9, problemAt(e, "providers.kvm.memory_mb").line());
    assertTrue(problemAt(e, "providers.kvm.ports").message().contains("'agent'"), e.getMessage());
    assertEquals(11, problemAt(e, "providers.kvm.keepalive_count").line());
    assertEquals(12, problemAt(e, "providers.kvm.templates_dir").line(), "not a libvirt key");
  }

  @Test
  void userModeNetworkingOnARemoteHost_isRefusedAtStartUp_namingTheKey() {
    ProviderConfig p =
        load("""
        providers:
          kvm:
            type: libvirt
            uri: qemu+ssh://corral@kvm1.example.org/system
            storage_pool: corral
        pools: []
        """)
            .providers()
            .get("kvm");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LibvirtProvider.create(p));
    assertTrue(e.getMessage().startsWith("providers.kvm.network: "), e.getMessage());
  }

  @Test
  void onlyUrisWithoutAHostOrRemoteTransportAreLocal() {
    assertTrue(LocalHost.isLocal("qemu:///system"));
    assertTrue(LocalHost.isLocal("qemu:///session"));
    assertTrue(LocalHost.isLocal("qemu+unix:///system"));
    assertFalse(LocalHost.isLocal("qemu+ssh://root@kvm1/system"));
    assertFalse(LocalHost.isLocal("qemu+tls://kvm1/system"));
    assertFalse(LocalHost.isLocal("qemu+ssh:///system"), "ssh to the default host is remote");
    assertFalse(LocalHost.isLocal("qemu://kvm1/system"));
  }
}
