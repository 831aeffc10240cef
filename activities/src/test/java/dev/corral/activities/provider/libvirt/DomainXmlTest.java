package dev.corral.activities.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.workflows.model.VmShape;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The domain definition and Corral's metadata, as text (a real libvirtd takes them elsewhere). */
class DomainXmlTest {
  private static final LibvirtSettings USER =
      LibvirtSettings.of("qemu:///system", "corral", "/k/vmlinuz", "/k/initrd.img");
  private static final VmMetadata META =
      new VmMetadata(
          "corral-prod",
          "debian-12",
          Instant.parse("2026-12-07T10:00:00Z"),
          Map.of("agent", 40001),
          null,
          null,
          false,
          false);

  @Test
  void theMetadataReadsBackAsWritten_withOrWithoutItsPrefix() {
    VmMetadata ready = META.withIp("10.1.2.3").withGuestVersion("12.4").asPoweredOff();

    assertEquals(Optional.of(ready), VmMetadata.parse(ready.toXml(true)));
    assertEquals(Optional.of(ready), VmMetadata.parse(ready.toXml(false)));
    assertEquals(Optional.empty(), VmMetadata.parse("<vm><template>x</template></vm>"), "no scope");
    assertEquals(
        Optional.empty(), VmMetadata.parse("<vm><scope>a</scope><port name='x' host='y'/></vm>"));
    assertEquals(
        Optional.empty(),
        VmMetadata.parse(
            "<!DOCTYPE vm [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><vm><scope>&e;</scope></vm>"),
        "no external entities, no DOCTYPE");
  }

  @Test
  void userMode_forwardsTheFixedLoopbackPorts_andThePoolsShapeWins() {
    String xml =
        DomainXml.of(
            USER,
            new VmShape(512, 2),
            "corral-abc",
            "/pool/corral-vm.corral-abc.qcow2",
            "/log/c.log",
            META);

    assertTrue(xml.contains("<memory unit='MiB'>512</memory>"), xml);
    assertTrue(xml.contains("<vcpu>2</vcpu>"), xml);
    assertTrue(
        xml.contains("<entry name='opt/corral/instance-id'>corral-abc</entry>"),
        "fw_cfg id: " + xml);
    assertTrue(xml.contains("hostfwd=tcp:127.0.0.1:40001-:80"), xml);
    assertTrue(xml.contains("restrict=on"), "the guest reaches nothing but its forwards: " + xml);
    assertTrue(xml.contains("<domain type='qemu'"), "TCG: " + xml);
    assertTrue(xml.contains("<tb-cache unit='MiB'>32</tb-cache>"), xml);
    assertTrue(xml.contains("<log file='/log/c.log'"), xml);
    assertTrue(xml.contains(META.toXml(true)), xml);
    assertFalse(xml.contains("<interface"), xml);
  }

  @Test
  void aNetworkOrABridge_isAVirtioInterface_withoutCommandLinePassThrough() {
    LibvirtSettings network =
        new LibvirtSettings(
            "qemu+ssh://h/system",
            "p",
            "corral-net",
            null,
            "kvm",
            null,
            null,
            "",
            128,
            1,
            Map.of("agent", 80),
            "/l",
            null,
            5,
            3);
    LibvirtSettings bridge =
        new LibvirtSettings(
            "qemu+ssh://h/system",
            "p",
            null,
            "br0",
            "kvm",
            null,
            null,
            "",
            128,
            1,
            Map.of("agent", 80),
            "/l",
            null,
            5,
            3);

    String viaNetwork =
        DomainXml.of(network, VmShape.PROVIDER_DEFAULT, "corral-a", "/d", "/l/a", META);
    String viaBridge =
        DomainXml.of(bridge, VmShape.PROVIDER_DEFAULT, "corral-a", "/d", "/l/a", META);

    assertTrue(
        viaNetwork.contains(
            "<interface type='network'><source network='corral-net'/><model type='virtio'/>"),
        viaNetwork);
    assertTrue(
        viaBridge.contains("<interface type='bridge'><source bridge='br0'/><model type='virtio'/>"),
        viaBridge);
    for (String xml : new String[] {viaNetwork, viaBridge}) {
      assertFalse(xml.contains("qemu:commandline"), xml);
      assertTrue(xml.contains("<domain type='kvm'"), xml);
      assertTrue(xml.contains("<cpu mode='host-passthrough'/>"), xml);
      assertTrue(xml.contains("<boot dev='hd'/>"), "no kernel: the disk boots: " + xml);
    }
  }

  @Test
  void configuredTextIsEscaped() {
    LibvirtSettings odd =
        new LibvirtSettings(
            "qemu:///system",
            "p",
            "user",
            null,
            "tcg",
            "/k/a'b",
            null,
            "x=<y> & 'z'",
            128,
            1,
            Map.of("agent", 80),
            "/l",
            null,
            5,
            3);

    String xml = DomainXml.of(odd, VmShape.PROVIDER_DEFAULT, "corral-a", "/d", "/l/a", META);

    assertTrue(xml.contains("<kernel>/k/a&apos;b</kernel>"), xml);
    assertTrue(xml.contains("<cmdline>x=&lt;y&gt; &amp; &apos;z&apos;</cmdline>"), xml);
  }

  @Test
  void extraDisksTakeTheFirstFreeVirtioName() {
    assertEquals("vdb", LibvirtTasks.freeTarget("<target dev='vda' bus='virtio'/>"));
    assertEquals(
        "vdd",
        LibvirtTasks.freeTarget(
            "<target dev='vda' bus='virtio'/><target dev='vdb' bus='virtio'/><target dev='vdc' bus='virtio'/>"));
  }
}
