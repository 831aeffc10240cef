package dev.corral.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corral.activities.testing.QemuGuest;
import dev.corral.activities.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Kill -9 of Corral while a QEMU VM boots: QEMU runs on (it is daemonized, not Corral's child), the
 * embedded Temporal server forgets everything, and the database keeps what it had. The restarted
 * Corral must adopt the VMs it knows, destroy none twice, leak none, and fill the pool.
 */
class QemuCrashRecoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(180);

  private final List<CorralProcess> corrals = new ArrayList<>();
  private Path vms;

  @AfterEach
  void cleanUp() throws Exception {
    for (CorralProcess p : corrals) {
      p.close();
    }
    for (Path dir : vmDirs()) {
      try {
        long pid = Long.parseLong(Files.readString(dir.resolve("qemu.pid")).strip());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      } catch (IOException | NumberFormatException e) {
        // not running
      }
    }
  }

  @Test
  void killMinus9WhileAVmBoots_restartLeaksNothing_andThePoolIsFullAgain() throws Exception {
    QemuGuest.Build guest = QemuGuest.of("1.2.3");
    Path root = QemuGuest.shortDir("qk");
    vms = root.resolve("vms");
    guest.installAs(root.resolve("templates"), "base", null);
    int port = CorralProcess.freePort();
    String database = TestDatabase.freshDatabaseName();
    Path config = root.resolve("corral.yaml");
    Files.writeString(
        config,
        """
        data_dir: %s
        server: {host: 127.0.0.1, port: %d}
        database: {url: "%s", user: %s, password: "%s"}
        providers:
          qemu:
            type: qemu
            templates_dir: %s
            kernel: %s
            initrd: %s
            vms_dir: %s
            max_vms: 4
            max_concurrent_clones: 2
        pools:
          - {name: plain, template: base, size: 2, boot_timeout: 3m}
        """
            .formatted(
                root.resolve("data"),
                port,
                TestDatabase.jdbcUrlOf(database),
                TestDatabase.user(),
                TestDatabase.password(),
                root.resolve("templates"),
                guest.kernel(),
                guest.initrd(),
                vms));
    Http http = new Http("http://127.0.0.1:" + port);

    CorralProcess first = start(config, root.resolve("first.log")).awaitUp(http, WAIT);
    // Mid-boot: QEMU runs, its guest has not printed READY yet.
    http.await(
        "/v1/pools", WAIT, p -> plain(p).get("provisioning").asInt() > 0 && bootingVmDir() != null);
    String booting = bootingVmDir();
    long bootingPid = pid(vms.resolve(booting));
    first.kill();
    assertTrue(
        ProcessHandle.of(bootingPid).map(ProcessHandle::isAlive).orElse(false),
        "QEMU outlives Corral: it is daemonized, not Corral's child");

    start(config, root.resolve("second.log")).awaitUp(http, WAIT);
    JsonNode pool =
        plain(http.await("/v1/pools", WAIT, p -> plain(p).get("ready").asInt() == 2).body());
    assertEquals(0, pool.get("provisioning").asInt(), pool.toString());

    // Exactly the database's live VMs run on the provider: nothing leaked, nothing lost.
    Set<String> live = new TreeSet<>();
    for (JsonNode vm : http.get("/v1/vms?pool=plain").body()) {
      String state = vm.get("state").asText();
      if (!state.equals("destroyed") && !state.equals("failed")) {
        live.add(vm.get("name").asText());
      }
    }
    http.await("/v1/vms?pool=plain", WAIT, vmList -> runningVmDirs().equals(live(vmList)));
    assertEquals(live(http.get("/v1/vms?pool=plain").body()), runningVmDirs());
    assertEquals(
        vmDirs().stream()
            .map(d -> d.getFileName().toString())
            .collect(Collectors.toCollection(TreeSet::new)),
        runningVmDirs(),
        "no directory without its QEMU");
    assertEquals(2, runningVmDirs().size());
    assertTrue(live.contains(booting), "the VM that was booting is adopted: " + live);
    assertEquals(bootingPid, pid(vms.resolve(booting)), "adopted as it was, not booted again");
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

  private CorralProcess start(Path config, Path log) throws IOException {
    CorralProcess p = CorralProcess.start(config, log);
    corrals.add(p);
    return p;
  }

  /** A VM whose QEMU runs but whose guest has not said READY. */
  private String bootingVmDir() {
    for (Path dir : vmDirs()) {
      try {
        Path serial = dir.resolve("serial.log");
        boolean ready =
            Files.exists(serial)
                && Files.readString(serial, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains("READY ");
        if (!ready && Files.exists(dir.resolve("qemu.pid"))) {
          return dir.getFileName().toString();
        }
      } catch (IOException e) {
        // removed meanwhile
      }
    }
    return null;
  }

  private Set<String> runningVmDirs() {
    Set<String> running = new TreeSet<>();
    for (Path dir : vmDirs()) {
      try {
        long pid = pid(dir);
        if (ProcessHandle.of(pid)
            .map(h -> h.isAlive() && h.info().command().orElse("").contains("qemu"))
            .orElse(false)) {
          running.add(dir.getFileName().toString());
        }
      } catch (IOException | NumberFormatException e) {
        // no pidfile: not running
      }
    }
    return running;
  }

  private static long pid(Path vmDir) throws IOException {
    return Long.parseLong(Files.readString(vmDir.resolve("qemu.pid")).strip());
  }

  private List<Path> vmDirs() {
    if (vms == null || !Files.isDirectory(vms)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(vms)) {
      return dirs.filter(Files::isDirectory).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
