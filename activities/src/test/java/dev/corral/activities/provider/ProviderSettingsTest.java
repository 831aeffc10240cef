package dev.corral.activities.provider;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.qemu.QemuSettings;
import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.config.ConfigException;
import dev.corral.config.ConfigLoader;
import dev.corral.config.ConfigProblem;
import dev.corral.config.ProviderConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Provider settings as config loading reads them. These were config-module tests; they live here
 * because reading a provider's settings takes its type, which the config module cannot see.
 */
class ProviderSettingsTest {

  @Test
  void simulatedSettingsAreReadAsWritten() {
    ProviderConfig p =
        load("""
        providers:
          lab-1:
            type: simulated
            max_vms: 7
            max_concurrent_clones: 2
            clone_seconds: 3
            boot_seconds: [0.5, 4]
            destroy_seconds: [1, 1]
            fail_percent: {clone: 10, destroy: 2.5}
            power_off_percent: 1
            state_file: state/lab.json
        pools: []
        """)
            .providers()
            .get("lab-1");

    assertEquals(
        new ProviderConfig(
            "lab-1",
            "simulated",
            7,
            2,
            new SimulatedSettings(
                SecondsRange.fixed(3),
                new SecondsRange(0.5, 4),
                new SecondsRange(1, 1),
                new SimulatedSettings.FailPercent(10, 0, 2.5),
                1,
                Path.of("state/lab.json"))),
        p);
  }

  @Test
  void vmTaskTimingsAndFailures_areReadAsWritten_andDefaultToOneSecondWithoutFailures() {
    SimulatedSettings written =
        (SimulatedSettings)
            load("""
        providers:
          sim:
            type: simulated
            snapshot_seconds: [2, 3]
            revert_seconds: 0
            fail_percent: {snapshot: 5, revert: 100, disk: 0.5}
        pools: []
        """)
                .providers()
                .get("sim")
                .settings();
    SimulatedSettings omitted =
        (SimulatedSettings)
            load("providers: {sim: {type: simulated}}\npools: []")
                .providers()
                .get("sim")
                .settings();

    assertEquals(new SecondsRange(2, 3), written.snapshotSeconds());
    assertEquals(SecondsRange.ZERO, written.revertSeconds());
    assertEquals(SecondsRange.fixed(1), written.diskSeconds(), "disk_seconds left out");
    assertEquals(new SimulatedSettings.FailPercent(0, 0, 0, 5, 100, 0.5, 0), written.failPercent());
    assertEquals(SecondsRange.fixed(1), omitted.snapshotSeconds());
    assertEquals(SecondsRange.fixed(1), omitted.revertSeconds());
    assertEquals(SimulatedSettings.FailPercent.NONE, omitted.failPercent());
  }

  @Test
  void badVmTaskSettings_areProblemsNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        providers:
          sim:
            type: simulated
            snapshot_seconds: [5, 1]
            disk_seconds: slow
            fail_percent: {revert: 120, resize: 1}
        """);

    assertEquals(
        new ConfigProblem(
            "providers.sim.snapshot_seconds", 4, "min must not be greater than max (got [5, 1])"),
        problemAt(e, "providers.sim.snapshot_seconds"));
    assertEquals(5, problemAt(e, "providers.sim.disk_seconds").line());
    assertEquals(
        new ConfigProblem(
            "providers.sim.fail_percent.revert", 6, "must be between 0 and 100 (got 120)"),
        problemAt(e, "providers.sim.fail_percent.revert"));
    assertTrue(
        problemAt(e, "providers.sim.fail_percent.resize")
            .message()
            .contains("snapshot, revert, disk"),
        e.getMessage());
    assertEquals(4, e.problems().size(), e.getMessage());
  }

  @Test
  void cleanupTimeAndFailureChance_areReadAsWritten_andDefaultToInstantAndNever() {
    SimulatedSettings written =
        (SimulatedSettings)
            load("""
        providers:
          sim: {type: simulated, clean_seconds: [1, 3], fail_percent: {clean: 20}}
        pools: []
        """)
                .providers()
                .get("sim")
                .settings();
    SimulatedSettings defaults =
        (SimulatedSettings)
            load("providers: {sim: {type: simulated}}").providers().get("sim").settings();

    assertEquals(new SecondsRange(1, 3), written.cleanSeconds());
    assertEquals(new SimulatedSettings.FailPercent(0, 0, 0, 0, 0, 0, 20), written.failPercent());
    assertEquals(SecondsRange.ZERO, defaults.cleanSeconds());
    assertEquals(0, defaults.failPercent().onClean());
  }

  @Test
  void onlyTheTypeIsRequired() {
    ProviderConfig p = load("providers: {sim: {type: simulated}}").providers().get("sim");

    assertEquals(ConfigLoader.embeddedDefault(Map.of()).providers().get("sim"), p);
  }

  @Test
  void badSettingsAreProblemsAtTheirPaths() {
    ConfigException e =
        failure(
            """
        providers:
          sim:
            type: simulated
            max_vms: 0
            clone_seconds: [3, 1]
            boot_seconds: [1, 2, 3]
            destroy_seconds: -1
            fail_percent: {clone: 101, boot: x}
            power_off_percent: -0.5
        """);

    assertEquals("must be at least 1 (got 0)", problemAt(e, "providers.sim.max_vms").message());
    assertEquals(
        new ConfigProblem(
            "providers.sim.clone_seconds", 5, "min must not be greater than max (got [3, 1])"),
        problemAt(e, "providers.sim.clone_seconds"));
    assertTrue(problemAt(e, "providers.sim.boot_seconds").message().contains("got 3 items"));
    assertEquals(
        "must be at least 0 (got -1)", problemAt(e, "providers.sim.destroy_seconds").message());
    assertEquals(
        new ConfigProblem(
            "providers.sim.fail_percent.clone", 8, "must be between 0 and 100 (got 101)"),
        problemAt(e, "providers.sim.fail_percent.clone"));
    assertEquals(
        "expected a number (got 'x')", problemAt(e, "providers.sim.fail_percent.boot").message());
    assertEquals(
        "must be between 0 and 100 (got -0.5)",
        problemAt(e, "providers.sim.power_off_percent").message());
    assertEquals(7, e.problems().size(), e.getMessage());
  }

  @Test
  void missingTypeAndBadNameAreProblems() {
    ConfigException e =
        failure(
            """
        providers:
          Big_Sim:
            max_vms: 3
        pools: []
        """);

    assertEquals(
        new ConfigProblem(
            "providers.Big_Sim.type",
            2,
            "required key is missing (known types: simulated, qemu, libvirt, vsphere, docker)"),
        problemAt(e, "providers.Big_Sim.type"));
    assertTrue(problemAt(e, "providers.Big_Sim").message().startsWith("provider name must be"));
    assertEquals(2, e.problems().size(), e.getMessage());
  }

  @Test
  void unknownTypeDoesNotAlsoFlagItsOtherKeys() {
    ConfigException e =
        failure(
            """
        providers:
          vc:
            type: openstack
            datacenter: dc1
        pools: [{name: p, template: t, providers: [vc]}]
        """);

    assertEquals(1, e.problems().size(), e.getMessage());
    assertEquals(3, problemAt(e, "providers.vc.type").line());
  }

  @Test
  void qemuSettingsAreReadAsWritten_theFixedInterfaceOfIssue5() {
    ProviderConfig p =
        load("""
        providers:
          qemu:
            type: qemu
            templates_dir: ./guest
            kernel: ./guest/vmlinuz
            initrd: ./guest/initrd.img
            accel: kvm
            memory_mb: 256
            cpus: 2
            max_vms: 4
            max_concurrent_clones: 2
            ports: {agent: 80, ssh: 22}
        pools: []
        """)
            .providers()
            .get("qemu");

    assertEquals(4, p.maxVms());
    assertEquals(2, p.maxConcurrentClones());
    QemuSettings q = (QemuSettings) p.settings();
    assertEquals(Path.of("./guest"), q.templatesDir());
    assertEquals(Path.of("./guest/vmlinuz"), q.kernel());
    assertEquals(Path.of("./guest/initrd.img"), q.initrd());
    assertEquals("kvm", q.accel());
    assertEquals(256, q.memoryMb());
    assertEquals(2, q.cpus());
    assertEquals(Map.of("agent", 80, "ssh", 22), q.ports());
    assertEquals(
        java.util.List.of("agent", "ssh"),
        java.util.List.copyOf(q.ports().keySet()),
        "written order");
  }

  @Test
  void qemuDefaults_tcg128MiBOneCpu_agentPortOnly_andOneCloneSlotPerCore() {
    ProviderConfig p =
        load("providers: {qemu: {type: qemu, templates_dir: ./guest}}\npools: []")
            .providers()
            .get("qemu");

    QemuSettings q = (QemuSettings) p.settings();
    assertEquals("tcg", q.accel());
    assertEquals(128, q.memoryMb());
    assertEquals(1, q.cpus());
    assertEquals(Map.of("agent", 80), q.ports());
    assertEquals(null, q.kernel());
    assertEquals(null, q.vmsDir());
    assertEquals("qemu-system-x86_64", q.qemuBinary());
    assertEquals(
        Runtime.getRuntime().availableProcessors(),
        p.maxConcurrentClones(),
        "booting is CPU-bound: as many boots at once as cores");
  }

  @Test
  void badQemuSettings_areProblemsNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        providers:
          qemu:
            type: qemu
            initrd: ./guest/initrd.img
            accel: hvf
            memory_mb: 32
            ports: {ssh: 22, web: 70000}
            clone_seconds: 1
        """);

    assertEquals(4, problemAt(e, "providers.qemu.initrd").line());
    assertTrue(
        problemAt(e, "providers.qemu.initrd").message().contains("needs a kernel"), e.getMessage());
    assertTrue(
        problemAt(e, "providers.qemu.templates_dir")
            .message()
            .startsWith("required key is missing"));
    assertEquals(
        new ConfigProblem("providers.qemu.accel", 5, "unknown accelerator 'hvf' (known: tcg, kvm)"),
        problemAt(e, "providers.qemu.accel"));
    assertEquals(6, problemAt(e, "providers.qemu.memory_mb").line());
    assertEquals(7, problemAt(e, "providers.qemu.ports.web").line());
    assertTrue(problemAt(e, "providers.qemu.ports").message().contains("'agent'"), e.getMessage());
    assertEquals(8, problemAt(e, "providers.qemu.clone_seconds").line());
    assertEquals(7, e.problems().size(), e.getMessage());
  }
}
