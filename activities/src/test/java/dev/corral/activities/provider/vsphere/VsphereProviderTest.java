package dev.corral.activities.provider.vsphere;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.vsphere.VsphereSettings.PoolPlacement;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.testing.VcSim;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.model.VmShape;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * What the vSphere provider does beyond the provider kit, on the vCenter simulator: where VMs go
 * (datacenter precedence, pool folders), linked and full clones, what its listing holds and which
 * folders it offers for removal, expired sessions, the host a clone is placed on, and reads that
 * never wait behind clones.
 */
class VsphereProviderTest {
  private static final String TEMPLATE_NOTES = "{\"group\":\"debian-12\",\"version\":\"12.5\"}";

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private VcSim sim(String... args) {
    VcSim sim = VcSim.start(args);
    open.add(sim);
    return sim;
  }

  private VsphereProvider provider(VsphereSettings settings, int cloneSlots) {
    VsphereProvider p =
        VsphereProvider.create(new ProviderConfig("vc", "vsphere", 20, cloneSlots, settings));
    open.add(p);
    return p;
  }

  private static VmShape pool(String name) {
    return new VmShape(null, null, name);
  }

  @Test
  void thePoolsDatacenterWins_overTheProviders_andWithoutEitherTheFirstOneIsUsed() {
    VcSim sim = sim("-dc", "2", "-boot", "100ms");
    sim.makeTemplate("DC0", "templates", "base", TEMPLATE_NOTES);
    sim.makeTemplate("DC1", "templates", "base", TEMPLATE_NOTES);
    PoolPlacement inDc1 = new PoolPlacement("DC1", null, null, null, null, null, null);
    PoolPlacement inDc0 = new PoolPlacement("DC0", null, null, null, null, null, null);

    VsphereProvider firstDc =
        provider(VsphereTestSettings.of(sim, 80, VsphereSettings.LINKED, Map.of("east", inDc1)), 2);
    firstDc.cloneVm("corral-dc-1", "base", pool("plain"));
    firstDc.cloneVm("corral-dc-2", "base", pool("east"));

    VsphereSettings onDc1 =
        withDatacenter(
            VsphereTestSettings.of(sim, 80, VsphereSettings.LINKED, Map.of("west", inDc0)), "DC1");
    VsphereProvider secondDc = provider(onDc1.withFolder("other"), 2);
    secondDc.cloneVm("corral-dc-3", "base", pool("plain"));
    secondDc.cloneVm("corral-dc-4", "base", pool("west"));

    assertTrue(sim.find("DC0/vm/corral/plain/corral-dc-1").isPresent(), "the first datacenter");
    assertTrue(sim.find("DC1/vm/corral/east/corral-dc-2").isPresent(), "the pool's datacenter");
    assertTrue(sim.find("DC1/vm/other/plain/corral-dc-3").isPresent(), "the provider's");
    assertTrue(sim.find("DC0/vm/other/west/corral-dc-4").isPresent(), "the pool's over it");
    assertEquals(
        Set.of("corral-dc-1", "corral-dc-2"), names(firstDc.inventory()), "both datacenters");
    assertEquals(Set.of("corral-dc-3", "corral-dc-4"), names(secondDc.inventory()));
  }

  @Test
  void linkedClones_startFromOneSnapshotOfTheTemplate_andFullClonesMakeNone() throws Exception {
    VcSim sim = sim("-boot", "100ms");
    sim.makeTemplate("templates", "base", TEMPLATE_NOTES);
    PoolPlacement full =
        new PoolPlacement(null, null, null, null, null, null, VsphereSettings.FULL);
    VsphereProvider p =
        provider(
            VsphereTestSettings.of(sim, 80, VsphereSettings.LINKED, Map.of("full-pool", full)), 2);

    p.cloneVm("corral-full-1", "base", pool("full-pool"));
    assertEquals(List.of(), snapshotsOf(sim, "DC0/vm/templates/base"), "a full clone copies");

    p.cloneVm("corral-linked-1", "base", pool("linked-pool"));
    p.cloneVm("corral-linked-2", "base", pool("linked-pool"));

    assertEquals(
        List.of(Templates.BASE_SNAPSHOT),
        snapshotsOf(sim, "DC0/vm/templates/base"),
        "one snapshot, made by the first linked clone");
    assertEquals(
        "true", property(sim, "DC0/vm/templates/base", "config.template"), "still a template");
    assertTrue(
        p.templates().stream().anyMatch(t -> t.name().equals("base") && "12.5".equals(t.version())),
        p.templates().toString());
    assertEquals(
        Set.of("corral-full-1", "corral-linked-1", "corral-linked-2"), names(p.inventory()));
  }

  @Test
  void theListingHoldsOnlyVms_neverAFolderInsideAPoolFolder_norVmsOutsideTheBaseFolder() {
    VcSim sim = sim("-boot", "100ms");
    sim.makeTemplate("templates", "base", TEMPLATE_NOTES);
    VsphereProvider p = provider(VsphereTestSettings.of(sim, 80), 2);
    p.cloneVm("corral-scope-1", "base", pool("pool-a"));
    p.deploy("corral-build-1", "base");
    sim.makeFolder("DC0/vm/corral/pool-a", "corral-looks-like-a-vm");
    sim.makeFolder("DC0/vm/corral", "old-pool");
    sim.makeFolder("DC0/vm/corral", "keep-me");
    sim.makeFolder("DC0/vm/corral/old-pool", "nested");

    assertEquals(
        Set.of("corral-scope-1", "corral-build-1"),
        names(p.inventory()),
        "pool VMs and build VMs; no folder, no template, none of the simulator's own VMs");
    assertEquals(
        List.of("DC0/vm/corral/keep-me"),
        p.unusedFolders(Set.of("pool-a")),
        "empty, and no configured pool's; old-pool holds a folder");

    p.removeUnusedFolder("DC0/vm/corral/keep-me");
    p.removeUnusedFolder("DC0/vm/corral/old-pool");
    p.removeUnusedFolder("DC0/vm/corral/gone-already");

    assertFalse(sim.find("DC0/vm/corral/keep-me").isPresent(), "an empty one is removed");
    assertTrue(sim.find("DC0/vm/corral/old-pool/nested").isPresent(), "one with content stays");
    assertTrue(sim.find("DC0/vm/corral/pool-a/corral-looks-like-a-vm").isPresent());
  }

  @Test
  void anExpiredSession_isLoggedInAgain_withoutFailingAClone() throws Exception {
    VcSim sim = sim("-idle", "1s", "-boot", "100ms");
    sim.makeTemplate("templates", "base", TEMPLATE_NOTES);
    VsphereProvider p = provider(VsphereTestSettings.of(sim, 80), 1);
    p.cloneVm("corral-idle-1", "base", pool("idle"));
    int before = p.logins();

    Thread.sleep(2_500);
    ProviderVm second = p.cloneVm("corral-idle-2", "base", pool("idle"));

    assertEquals("corral-idle-2", second.name());
    assertTrue(p.logins() > before, "logged in again: " + before + " -> " + p.logins());
    assertEquals(Set.of("corral-idle-1", "corral-idle-2"), names(p.inventory()));
  }

  @Test
  void theLeastUsedHostIsChosen_skippingOneWithAConfigIssue_andOneWithoutQuickStats()
      throws Exception {
    VcSim sim =
        sim(
            "-ch", "4",
            "-host-issue", "DC0_C0_H0",
            "-host-stats", "DC0_C0_H0=10:10,DC0_C0_H1=none,DC0_C0_H2=2000:3000");
    try (VimSession s = sim.session()) {
      ManagedObject cluster = s.findByInventoryPath("DC0/host/DC0_C0").orElseThrow();

      List<String> candidates =
          HostChoice.candidates(s, cluster).stream().map(HostChoice.Host::name).toList();
      Optional<HostChoice.Host> chosen = HostChoice.of(s, cluster);

      assertEquals(Set.of("DC0_C0_H2", "DC0_C0_H3"), Set.copyOf(candidates));
      assertEquals("DC0_C0_H3", chosen.orElseThrow().name());
    }
  }

  @Test
  void listingsAndReadiness_neverWaitBehindClones() throws Exception {
    VcSim sim = sim("-boot", "100ms", "-method-delay", "CloneVM_Task=4000");
    sim.makeTemplate("templates", "base", TEMPLATE_NOTES);
    // Two sessions and two clones at once: the clones may hold one session between them, the
    // other stays free for reads (without that, the two clones would hold both for 4 s).
    VsphereProvider p =
        provider(VsphereTestSettings.of(sim, 80, VsphereSettings.LINKED, Map.of(), 2), 4);
    CompletableFuture<ProviderVm> slow =
        CompletableFuture.supplyAsync(() -> p.cloneVm("corral-slow-1", "base", pool("slow")));
    CompletableFuture<ProviderVm> second =
        CompletableFuture.supplyAsync(() -> p.cloneVm("corral-slow-2", "base", pool("slow")));
    Thread.sleep(500);

    long started = System.nanoTime();
    p.inventory();
    p.checkReady("corral-slow-1");
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertTrue(took.toMillis() < 2_000, "reads took " + took + " while a clone ran");
    assertFalse(slow.isDone(), "the clone still runs");
    assertEquals("corral-slow-1", slow.get(30, TimeUnit.SECONDS).name());
    assertEquals("corral-slow-2", second.get(30, TimeUnit.SECONDS).name());
  }

  @Test
  void aPoolsNetwork_movesTheClonesFirstCard_toAStandardOrADistributedPortGroup() throws Exception {
    VcSim sim = sim("-boot", "100ms");
    sim.makeTemplate("templates", "base", TEMPLATE_NOTES);
    PoolPlacement distributed = new PoolPlacement(null, null, null, null, null, "DC0_DVPG0", null);
    PoolPlacement standard = new PoolPlacement(null, null, null, null, null, "VM Network", null);
    VsphereProvider p =
        provider(
            VsphereTestSettings.of(
                sim,
                80,
                VsphereSettings.LINKED,
                Map.of("dvs-pool", distributed, "std-pool", standard)),
            2);

    p.cloneVm("corral-net-1", "base", pool("dvs-pool"));
    p.cloneVm("corral-net-2", "base", pool("std-pool"));

    assertEquals(
        "VirtualEthernetCardDistributedVirtualPortBackingInfo",
        firstCardBacking(sim, "DC0/vm/corral/dvs-pool/corral-net-1"));
    assertEquals(
        "VirtualEthernetCardNetworkBackingInfo",
        firstCardBacking(sim, "DC0/vm/corral/std-pool/corral-net-2"));
    assertTrue(
        property(sim, "DC0/vm/corral/dvs-pool/corral-net-1", "network").contains("dvportgroup"),
        "the clone is on the distributed port group");
  }

  private static String firstCardBacking(VcSim sim, String path) throws IOException {
    try (VimSession s = sim.session()) {
      ManagedObject vm = s.findByInventoryPath(path).orElseThrow();
      Element devices = s.properties(vm, "config.hardware.device").get("config.hardware.device");
      for (Element d : dev.corral.activities.provider.vsphere.vim.VimXml.children(devices)) {
        Optional<Element> backing =
            dev.corral.activities.provider.vsphere.vim.VimXml.child(d, "backing");
        if (backing.isPresent()
            && dev.corral.activities.provider.vsphere.vim.VimXml.xsiType(backing.get())
                .orElse("")
                .startsWith("VirtualEthernetCard")) {
          return dev.corral.activities.provider.vsphere.vim.VimXml.xsiType(backing.get()).get();
        }
      }
      return "no card";
    }
  }

  private static VsphereSettings withDatacenter(VsphereSettings s, String dc) {
    return new VsphereSettings(
        s.url(),
        s.user(),
        s.password(),
        s.caFile(),
        s.insecure(),
        dc,
        s.folder(),
        s.templateFolder(),
        s.cluster(),
        s.resourcePool(),
        s.datastore(),
        s.network(),
        s.cloneType(),
        s.readiness(),
        s.ports(),
        s.sessions(),
        s.callTimeoutSeconds(),
        s.taskTimeoutSeconds(),
        s.pools(),
        s.purgeEmptyFolders());
  }

  private static Set<String> names(List<ProviderVm> vms) {
    return Set.copyOf(vms.stream().map(ProviderVm::name).toList());
  }

  private static List<String> snapshotsOf(VcSim sim, String path) throws IOException {
    try (VimSession s = sim.session()) {
      ManagedObject vm = s.findByInventoryPath(path).orElseThrow();
      Element list = s.properties(vm, "snapshot.rootSnapshotList").get("snapshot.rootSnapshotList");
      List<String> names = new ArrayList<>();
      if (list != null) {
        collect(list, names);
      }
      return names;
    }
  }

  private static void collect(Element trees, List<String> names) {
    for (Element tree : dev.corral.activities.provider.vsphere.vim.VimXml.children(trees)) {
      dev.corral.activities.provider.vsphere.vim.VimXml.text(tree, "name").ifPresent(names::add);
      for (Element child :
          dev.corral.activities.provider.vsphere.vim.VimXml.children(tree, "childSnapshotList")) {
        dev.corral.activities.provider.vsphere.vim.VimXml.text(child, "name").ifPresent(names::add);
      }
    }
  }

  private static String property(VcSim sim, String path, String property) throws IOException {
    try (VimSession s = sim.session()) {
      ManagedObject o = s.findByInventoryPath(path).orElseThrow();
      return s.properties(o, property).get(property).getTextContent().strip();
    }
  }
}
