package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.CorralWorkers;
import dev.corral.activities.testing.LibvirtHost;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.activities.testing.TestDatabase;
import dev.corral.config.ConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Domains outlive Corral and libvirtd. Kill -9 of Corral while a libvirt VM boots: the restarted
 * Corral adopts it as it is (the same QEMU), leaks nothing and fills the pool. A libvirtd restart
 * while a pool fills: Corral reconnects, and the pool ends full with exactly its VMs' domains and
 * volumes on the host.
 */
class LibvirtCrashRecoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(240);
  private static final Path CONSOLES = Path.of("/var/log/libvirt/qemu");

  private final List<CorralProcess> corrals = new ArrayList<>();
  private QemuGuest.Build guest;
  private LibvirtHost.Pool pool;
  private String scope;
  private Path root;
  private CorralApp app;

  @BeforeEach
  void setUp() {
    guest = QemuGuest.of("1.2.3");
    pool = LibvirtHost.pool("lc");
    guest.installAs(pool.dir(), "base", null);
    scope = "crash-" + UUID.randomUUID().toString().substring(0, 8);
    root = QemuGuest.shortDir("lc");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (app != null) {
      app.close();
    }
    for (CorralProcess p : corrals) {
      p.close();
    }
    LibvirtHost.removeDomainsOfScope(scope);
    pool.close();
  }

  private String yaml(String data, String server, String database, int size, int clones) {
    return """
        data_dir: %s
        server: %s
        %s
        providers:
          kvm1:
            type: libvirt
            uri: %s
            storage_pool: %s
            kernel: %s
            initrd: %s
            scope: %s
            max_vms: 6
            max_concurrent_clones: %d
        pools:
          - {name: plain, template: base, size: %d, boot_timeout: 3m}
        """
        .formatted(
            data,
            server,
            database,
            LibvirtHost.URI,
            pool.name(),
            guest.kernel(),
            guest.initrd(),
            scope,
            clones,
            size);
  }

  @Test
  void killMinus9WhileAVmBoots_theRestartAdoptsItAsItIs_leaksNothing_andFillsThePool()
      throws Exception {
    int port = CorralProcess.freePort();
    String database = TestDatabase.freshDatabaseName();
    Path config = root.resolve("corral.yaml");
    Files.createDirectories(root);
    Files.writeString(
        config,
        yaml(
            root.resolve("data").toString(),
            "{host: 127.0.0.1, port: " + port + "}",
            "database: {url: \"%s\", user: %s, password: \"%s\"}"
                .formatted(
                    TestDatabase.jdbcUrlOf(database), TestDatabase.user(), TestDatabase.password()),
            2,
            2));
    Http http = new Http("http://127.0.0.1:" + port);

    CorralProcess first = start(config, root.resolve("first.log")).awaitUp(http, WAIT);
    http.await(
        "/v1/pools", WAIT, p -> plain(p).get("provisioning").asInt() > 0 && booting() != null);
    String booting = booting();
    int domainId = LibvirtHost.<Integer>with(c -> c.domainLookupByName(booting).getID());
    first.kill();

    start(config, root.resolve("second.log")).awaitUp(http, WAIT);
    http.await("/v1/pools", WAIT, p -> plain(p).get("ready").asInt() == 2);

    http.await(
        "/v1/vms?pool=plain",
        WAIT,
        vms -> live(vms).equals(Set.copyOf(LibvirtHost.domainsOfScope(scope))));
    Set<String> live = live(http.get("/v1/vms?pool=plain").body());
    assertEquals(2, live.size(), live.toString());
    assertTrue(live.contains(booting), "the VM that was booting is adopted: " + live);
    assertEquals(
        Integer.valueOf(domainId),
        LibvirtHost.<Integer>with(c -> c.domainLookupByName(booting).getID()),
        "adopted as it was, not booted again");
    assertEquals(live, vmsWithVolumes(), "no volume without its VM");
  }

  @Test
  void aLibvirtdRestartWhileThePoolFills_endsWithAFullPool_andNothingLeaked() throws Exception {
    app =
        CorralApp.start(
            ConfigLoader.fromYaml(
                yaml(root.resolve("data").toString(), "{host: 127.0.0.1, port: 0}", "", 3, 1),
                "libvirt-restart.yaml",
                Map.of()),
            new CorralWorkers.Timings(Duration.ofSeconds(1), Duration.ofMillis(100)));
    Http http = new Http(app.baseUrl());
    http.await(
        "/v1/pools",
        WAIT,
        p -> plain(p).get("ready").asInt() >= 1 && plain(p).get("provisioning").asInt() > 0);

    List<JsonNode> whileDown = new ArrayList<>();
    LibvirtHost.restartDaemon(
        () -> {
          pause(Duration.ofSeconds(3));
          whileDown.add(http.get("/v1/providers").body());
        });

    JsonNode kvm1 = whileDown.get(0).get(0);
    assertEquals("kvm1", kvm1.get("name").asText(), whileDown.toString());
    assertTrue(kvm1.get("error").asText().contains("unreachable"), "shown unreachable: " + kvm1);

    http.await("/v1/pools", WAIT, p -> plain(p).get("ready").asInt() == 3);
    http.await(
        "/v1/vms?pool=plain",
        WAIT,
        vms -> live(vms).equals(Set.copyOf(LibvirtHost.domainsOfScope(scope))));
    Set<String> live = live(http.get("/v1/vms?pool=plain").body());
    assertEquals(3, live.size(), live.toString());
    assertEquals(live, vmsWithVolumes(), "no volume without its VM");
  }

  private CorralProcess start(Path config, Path log) throws IOException {
    CorralProcess p = CorralProcess.start(config, log);
    corrals.add(p);
    return p;
  }

  private static JsonNode plain(JsonNode pools) {
    return Http.pool(pools, "plain");
  }

  private static Set<String> live(JsonNode vmList) {
    Set<String> live = new TreeSet<>();
    for (JsonNode vm : vmList) {
      String state = vm.get("state").asText();
      if (!state.equals("destroyed") && !state.equals("failed")) {
        live.add(vm.get("name").asText());
      }
    }
    return live;
  }

  /** A domain of the test's scope whose guest has not printed READY yet. */
  private String booting() {
    for (String name : LibvirtHost.domainsOfScope(scope)) {
      try {
        Path console = CONSOLES.resolve(name + ".console.log");
        if (!Files.exists(console)
            || !Files.readString(console, StandardCharsets.ISO_8859_1).contains("READY ")) {
          return name;
        }
      } catch (IOException e) {
        // removed meanwhile
      }
    }
    return null;
  }

  /** The VMs that have a disk volume in the pool. */
  private Set<String> vmsWithVolumes() throws IOException {
    Set<String> vms = new TreeSet<>();
    try (Stream<Path> files = Files.list(pool.dir())) {
      files
          .map(p -> p.getFileName().toString())
          .filter(f -> f.startsWith("corral-vm."))
          .forEach(
              f ->
                  vms.add(
                      f.substring("corral-vm.".length(), f.indexOf('.', "corral-vm.".length()))));
    }
    return vms;
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
