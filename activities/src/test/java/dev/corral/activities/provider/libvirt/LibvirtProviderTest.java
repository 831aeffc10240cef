package dev.corral.activities.provider.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.Readiness;
import dev.corral.activities.provider.guest.GuestAgent;
import dev.corral.activities.testing.LibvirtHost;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import dev.corral.workflows.model.VmShape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * What the libvirt provider promises beyond the kit, on the real libvirtd of this machine: it
 * touches only domains its metadata marks as its own, finish makes a standalone read-only template,
 * the pool's shape sizes the domain, a revert keeps the forwarded ports, VMs outlive Corral and
 * libvirtd restarts and are adopted, and definitions for production networks are ones libvirt
 * takes.
 */
class LibvirtProviderTest {
  private static final Duration BOOT = Duration.ofSeconds(120);

  private QemuGuest.Build guest;
  private LibvirtHost.Pool pool;
  private String scope;
  private final List<LibvirtProvider> providers = new ArrayList<>();
  private final List<String> foreignDomains = new ArrayList<>();
  private Connect connect;

  @BeforeEach
  void setUp() {
    guest = QemuGuest.of("1.2.3");
    pool = LibvirtHost.pool("lp");
    guest.installAs(pool.dir(), "base", "guest");
    scope = "test-" + UUID.randomUUID().toString().substring(0, 8);
    connect = LibvirtHost.connect();
  }

  @AfterEach
  void tearDown() throws LibvirtException {
    for (LibvirtProvider p : providers) {
      p.inventory().forEach(vm -> p.destroy(vm.name()));
      p.close();
    }
    for (String name : foreignDomains) {
      Domains.lookup(connect, name)
          .ifPresent(
              d -> {
                try {
                  Domains.remove(d);
                } catch (LibvirtException e) {
                  throw new IllegalStateException(e);
                }
              });
    }
    connect.close();
    pool.close();
  }

  private LibvirtProvider provider(String providerScope) {
    LibvirtSettings settings =
        LibvirtSettings.of(
                LibvirtHost.URI, pool.name(), guest.kernel().toString(), guest.initrd().toString())
            .withScope(providerScope);
    LibvirtProvider p =
        LibvirtProvider.create(new ProviderConfig("kvm", "libvirt", 4, 2, settings));
    providers.add(p);
    return p;
  }

  @Test
  void domainsWithoutCorralsMetadataOrOfAnotherScope_areNeverListedChangedOrDestroyed()
      throws Exception {
    LibvirtProvider mine = provider(scope);
    LibvirtProvider other = provider(scope + "-other");
    other.cloneVm("corral-theirs1", "base");
    String plain = "corral-plain1";
    foreignDomains.add(plain);
    connect.domainDefineXML(
        "<domain type='qemu'><name>"
            + plain
            + "</name><memory unit='MiB'>64</memory>"
            + "<os><type arch='x86_64'>hvm</type></os></domain>");

    assertEquals(
        List.of(), mine.inventory(), "neither a domain without metadata nor another scope's");
    mine.destroy(plain);
    mine.destroy("corral-theirs1");
    ProviderException refused =
        assertThrows(ProviderException.class, () -> mine.cloneVm("corral-theirs1", "base"));

    assertEquals(ErrorTypes.CLONE_FAILED, refused.errorType());
    assertTrue(refused.permanent(), refused.getMessage());
    assertTrue(Domains.lookup(connect, plain).isPresent(), "the plain domain is still defined");
    assertEquals(
        List.of("corral-theirs1"), names(other.inventory()), "the other scope's VM is untouched");
    assertTrue(Domains.active(connect.domainLookupByName("corral-theirs1")), "and still runs");
  }

  @Test
  void finish_makesAStandaloneReadOnlyTemplate_whoseClonesCarryTheConfiguration() throws Exception {
    LibvirtProvider p = provider(scope);

    p.deploy("corral-build-lp1", "base");
    p.configure("corral-build-lp1", Map.of("motd", "made on libvirt"));
    p.seal("corral-build-lp1");
    p.powerOff("corral-build-lp1", Duration.ofSeconds(30));
    p.createTemplate("corral-build-lp1", "guest-prepared-1");

    Path image = pool.dir().resolve("guest-prepared-1.qcow2");
    JsonNode info = qemuImgInfo(image);
    assertFalse(info.has("backing-filename"), "standalone, not a backing chain: " + info);
    assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(image)));
    JsonNode sidecar =
        new ObjectMapper().readTree(pool.dir().resolve("guest-prepared-1.json").toFile());
    assertEquals("guest", sidecar.get("group").asText(), sidecar.toString());
    assertEquals("1.2.3", sidecar.get("version").asText(), sidecar.toString());
    assertTrue(sidecar.get("prepared").asBoolean(), sidecar.toString());
    assertEquals("base", sidecar.get("source").asText(), sidecar.toString());
    assertFalse(sidecar.has("partial"), sidecar.toString());
    assertTrue(
        onlyVolumesOfTemplates(),
        "the build VM's volumes are gone: " + List.of(pool.dir().toFile().list()));

    p.cloneVm("corral-lp-clone1", "guest-prepared-1");
    Readiness ready = awaitReady(p, "corral-lp-clone1");
    Map<String, String> guestInfo = agent(ready).info();
    assertEquals("made on libvirt", guestInfo.get("config.motd"), guestInfo.toString());
    assertEquals("corral-lp-clone1", guestInfo.get("instance"), guestInfo.toString());
  }

  @Test
  void thePoolsShape_sizesTheDomain() throws Exception {
    LibvirtProvider p = provider(scope);

    p.cloneVm("corral-lp-shape1", "base", new VmShape(192, 2));

    org.libvirt.DomainInfo info = connect.domainLookupByName("corral-lp-shape1").getInfo();
    assertEquals(192L * 1024, info.maxMem);
    assertEquals(2, info.nrVirtCpu);
  }

  @Test
  void aRevertKeepsTheForwardedPorts_andAnAddedDiskIsAVolumeThatDestroyRemoves() throws Exception {
    LibvirtProvider p = provider(scope);
    p.cloneVm("corral-lp-snap1", "base");
    Readiness before = awaitReady(p, "corral-lp-snap1");
    p.snapshot("corral-lp-snap1", "clean");
    agent(before).configure("motd=after the snapshot\n");

    p.revertSnapshot("corral-lp-snap1", "clean");
    p.addDisk("corral-lp-snap1", "data1", 1);

    Readiness after = awaitReady(p, "corral-lp-snap1");
    assertEquals(before.ports(), after.ports(), "the lease's ports still reach the guest");
    Map<String, String> info = agent(after).info();
    assertFalse(info.containsKey("config.motd"), "the change after the snapshot is gone: " + info);
    String xml = connect.domainLookupByName("corral-lp-snap1").getXMLDesc(0);
    Path disk = pool.dir().resolve("corral-vm.corral-lp-snap1.disk-data1.qcow2");
    assertTrue(xml.contains(disk.toString()) && xml.contains("dev='vdb'"), xml);

    p.destroy("corral-lp-snap1");

    assertTrue(onlyVolumesOfTemplates(), List.of(pool.dir().toFile().list()).toString());
    assertTrue(Domains.lookup(connect, "corral-lp-snap1").isEmpty());
  }

  @Test
  void aRestartedCorral_adoptsItsRunningVms_andOneStoppedBehindItsBackIsBroken() throws Exception {
    LibvirtProvider first = provider(scope);
    first.cloneVm("corral-lp-adopt1", "base");
    first.cloneVm("corral-lp-adopt2", "base");
    Readiness ready1 = awaitReady(first, "corral-lp-adopt1");
    awaitReady(first, "corral-lp-adopt2");
    int id = connect.domainLookupByName("corral-lp-adopt1").getID();
    first.close();
    providers.remove(first);

    LibvirtProvider second = provider(scope);
    List<ProviderVm> adopted = second.inventory();
    connect.domainLookupByName("corral-lp-adopt2").destroy();

    assertEquals(List.of("corral-lp-adopt1", "corral-lp-adopt2"), names(adopted));
    assertTrue(
        adopted.stream().allMatch(vm -> vm.powerState() == PowerState.RUNNING), adopted.toString());
    assertEquals(ready1.ports(), adopted.get(0).ports());
    assertEquals(Readiness.State.READY, second.checkReady("corral-lp-adopt1").state());
    assertEquals(id, connect.domainLookupByName("corral-lp-adopt1").getID(), "the same QEMU");
    assertEquals(PowerState.BROKEN, second.get("corral-lp-adopt2").orElseThrow().powerState());
    assertEquals(Readiness.State.FAILED, second.checkReady("corral-lp-adopt2").state());
  }

  @Test
  void aLibvirtdRestart_isOutlivedByItsVms_andTheProviderReconnects() throws Exception {
    LibvirtProvider p = provider(scope);
    p.cloneVm("corral-lp-outlive1", "base");
    Readiness ready = awaitReady(p, "corral-lp-outlive1");
    List<String> whileDown = new ArrayList<>();

    LibvirtHost.restartDaemon(
        () -> {
          ProviderException e = assertThrows(ProviderException.class, p::inventory);
          assertFalse(e.permanent());
          whileDown.add(e.getMessage());
        });

    assertTrue(whileDown.get(0).contains("unreachable"), whileDown.toString());
    assertEquals(List.of("corral-lp-outlive1"), names(p.inventory()));
    assertEquals(ready.ports(), awaitReady(p, "corral-lp-outlive1").ports());
    p.cloneVm("corral-lp-outlive2", "base");
    awaitReady(p, "corral-lp-outlive2");
  }

  @Test
  void aStoragePoolTheHostDoesNotHave_stopsStartUp_namingTheKey() {
    LibvirtSettings settings =
        LibvirtSettings.of(LibvirtHost.URI, "corral-no-such-pool", null, null);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LibvirtProvider.create(new ProviderConfig("kvm", "libvirt", 4, 2, settings)));

    assertTrue(e.getMessage().startsWith("providers.kvm.storage_pool: "), e.getMessage());
    assertTrue(e.getMessage().contains("corral-no-such-pool"), e.getMessage());
  }

  @Test
  void anUnreachableHost_doesNotStopStartUp_andEveryCallSaysItIsUnreachable() {
    LibvirtSettings settings =
        LibvirtSettings.of(
            "qemu+unix:///system?socket=/nonexistent/libvirt-sock", pool.name(), null, null);
    LibvirtProvider p =
        LibvirtProvider.create(new ProviderConfig("kvm", "libvirt", 4, 2, settings));
    providers.add(p);
    providers.remove(p);

    ProviderException listing = assertThrows(ProviderException.class, p::inventory);
    ProviderException clone =
        assertThrows(ProviderException.class, () -> p.cloneVm("corral-lp-x1", "base"));

    for (ProviderException e : List.of(listing, clone)) {
      assertFalse(e.permanent(), "a host may come back: " + e.getMessage());
      assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }
    p.close();
  }

  @Test
  void definitionsForALibvirtNetworkOrABridge_areOnesLibvirtTakes() throws Exception {
    VmMetadata meta =
        new VmMetadata(scope, "base", java.time.Instant.now(), Map.of(), null, null, false, false);
    for (LibvirtSettings settings :
        List.of(
            new LibvirtSettings(
                LibvirtHost.URI,
                pool.name(),
                "corral-net",
                null,
                "tcg",
                null,
                null,
                "",
                128,
                1,
                Map.of("agent", 80),
                "/var/log/libvirt/qemu",
                scope,
                5,
                3),
            new LibvirtSettings(
                LibvirtHost.URI,
                pool.name(),
                null,
                "br-corral",
                "tcg",
                null,
                null,
                "",
                128,
                1,
                Map.of("agent", 80),
                "/var/log/libvirt/qemu",
                scope,
                5,
                3))) {
      String name = "corral-lp-def-" + (settings.bridge() == null ? "net" : "br");
      foreignDomains.add(name);
      Domain d =
          connect.domainDefineXML(
              DomainXml.of(
                  settings,
                  VmShape.PROVIDER_DEFAULT,
                  name,
                  "/nonexistent.qcow2",
                  "/var/log/libvirt/qemu/x.log",
                  meta));
      String xml = d.getXMLDesc(0);
      assertTrue(
          xml.contains(
              settings.bridge() == null
                  ? "<source network='corral-net'"
                  : "<source bridge='br-corral'"),
          xml);
      assertTrue(xml.contains("<model type='virtio'/>"), xml);
      assertEquals(
          java.util.Optional.of(meta),
          new Domains(scope, settings).metadata(d),
          "the metadata reads back from libvirt");
    }
  }

  private static List<String> names(List<ProviderVm> vms) {
    return vms.stream().map(ProviderVm::name).toList();
  }

  private boolean onlyVolumesOfTemplates() throws Exception {
    try (Stream<Path> files = Files.list(pool.dir())) {
      return files.noneMatch(f -> f.getFileName().toString().startsWith(Volumes.VM_PREFIX));
    }
  }

  private static GuestAgent agent(Readiness ready) {
    return new GuestAgent(ready.ip(), ready.ports().get("agent"), Duration.ofSeconds(10));
  }

  private static Readiness awaitReady(LibvirtProvider p, String vmName)
      throws InterruptedException {
    long deadline = System.nanoTime() + BOOT.toNanos();
    while (true) {
      Readiness r = p.checkReady(vmName);
      if (r.state() == Readiness.State.READY) {
        return r;
      }
      assertNotEquals(Readiness.State.FAILED, r.state(), vmName + ": " + r.reason());
      assertTrue(System.nanoTime() < deadline, vmName + " not ready within " + BOOT);
      Thread.sleep(100);
    }
  }

  private static JsonNode qemuImgInfo(Path image) throws Exception {
    Process p =
        new ProcessBuilder("qemu-img", "info", "-U", "--output=json", image.toString())
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), new String(out));
    return new ObjectMapper().readTree(out);
  }
}
