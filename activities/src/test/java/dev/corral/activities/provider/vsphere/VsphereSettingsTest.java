package dev.corral.activities.provider.vsphere;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.vsphere.VsphereSettings.PoolPlacement;
import dev.corral.config.ConfigException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vSphere provider's keys as config loading reads them. */
class VsphereSettingsTest {

  @Test
  void everyKeyIsReadAsWritten_andThePasswordComesFromTheEnvironment() {
    VsphereSettings s =
        (VsphereSettings)
            load(
                    """
                    providers:
                      vc1:
                        type: vsphere
                        url: https://vcenter.example.org
                        user: corral@vsphere.local
                        password: ${VC_PASSWORD}
                        datacenter: DC-East
                        folder: ci/corral
                        template_folder: ci/templates
                        cluster: Cluster-A
                        resource_pool: ci
                        datastore: ssd-1
                        network: ci-vlan-12
                        clone_type: full
                        readiness: agent
                        ports: {agent: 8080, ssh: 22}
                        sessions: 6
                        call_timeout_seconds: 30
                        task_timeout_seconds: 600
                        purge_empty_folders: true
                        pools:
                          debian-12:
                            datacenter: DC-West
                            folder: west/debian
                            cluster: Cluster-W
                            resource_pool: fast
                            datastore: nvme-1
                            network: VM Network 2
                            clone_type: linked
                    pools: []
                    """,
                    Map.of("VC_PASSWORD", "s3cret"))
                .providers()
                .get("vc1")
                .settings();

    assertEquals(URI.create("https://vcenter.example.org/sdk"), s.url(), "/sdk is added");
    assertEquals("corral@vsphere.local", s.user());
    assertEquals("s3cret", s.password().value());
    assertEquals("DC-East", s.datacenter());
    assertEquals("ci/corral", s.folder());
    assertEquals("ci/templates", s.templateFolder());
    assertEquals("Cluster-A", s.cluster());
    assertEquals("ci", s.resourcePool());
    assertEquals("ssd-1", s.datastore());
    assertEquals("ci-vlan-12", s.network());
    assertEquals("full", s.cloneType());
    assertEquals("agent", s.readiness());
    assertEquals(Map.of("agent", 8080, "ssh", 22), s.ports());
    assertEquals(6, s.sessions());
    assertEquals(30, s.callTimeoutSeconds());
    assertEquals(600, s.taskTimeoutSeconds());
    assertTrue(s.purgeEmptyFolders());
    assertEquals(
        new PoolPlacement(
            "DC-West", "west/debian", "Cluster-W", "fast", "nvme-1", "VM Network 2", "linked"),
        s.placementOf("debian-12"));
    assertEquals(PoolPlacement.NONE, s.placementOf("other"));
  }

  @Test
  void leftOutKeys_takeTheirDefaults() {
    VsphereSettings s =
        (VsphereSettings)
            load("""
                    providers:
                      vc1: {type: vsphere, url: "https://vc/sdk", user: u, password: p}
                    pools: []
                    """)
                .providers()
                .get("vc1")
                .settings();

    assertNull(s.datacenter(), "the first datacenter");
    assertEquals("corral", s.folder());
    assertEquals("templates", s.templateFolder());
    assertNull(s.cluster());
    assertEquals("linked", s.cloneType());
    assertEquals("tools", s.readiness());
    assertEquals(Map.of("agent", 80), s.ports());
    assertEquals(0, s.sessions());
    assertFalse(s.insecure());
    assertNull(s.caFile(), "the JDK's trust store: certificates are checked");
    assertFalse(s.purgeEmptyFolders());
  }

  @Test
  void thePasswordMayComeFromAFile_andIsNeverShown(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("vc.pass");
    Files.writeString(file, "from-a-file\n");
    VsphereSettings s =
        (VsphereSettings)
            load("""
                    providers:
                      vc1: {type: vsphere, url: "https://vc/sdk", user: u, password_file: %s}
                    pools: []
                    """
                    .formatted(file))
                .providers()
                .get("vc1")
                .settings();

    assertEquals("from-a-file", s.password().value());
    assertFalse(s.toString().contains("from-a-file"), s.toString());
    assertTrue(s.toString().contains("secret from password_file"), s.toString());
  }

  @Test
  void badValues_areReportedWithTheirKeyAndLine() {
    ConfigException e =
        failure(
            """
            providers:
              vc1:
                type: vsphere
                url: vcenter.example.org
                user: u
                password: ${UNSET_PASSWORD:-}
                folder: /corral/
                clone_type: instant
                readiness: ping
                sessions: 1
                insecure: true
                ca_file: /nonexistent/ca.pem
                pools:
                  p1: {clone_type: fast, colour: red}
            pools: []
            """);

    assertTrue(problemAt(e, "providers.vc1.url").message().contains("not a vCenter address"));
    assertEquals(4, problemAt(e, "providers.vc1.url").line());
    assertTrue(problemAt(e, "providers.vc1.password").message().contains("empty"));
    assertTrue(problemAt(e, "providers.vc1.folder").message().contains("inventory path"));
    assertTrue(problemAt(e, "providers.vc1.clone_type").message().contains("known: linked, full"));
    assertTrue(problemAt(e, "providers.vc1.readiness").message().contains("known: tools, agent"));
    assertTrue(problemAt(e, "providers.vc1.sessions").message().contains("at least 2"));
    assertTrue(problemAt(e, "providers.vc1.ca_file").message().contains("cannot read"));
    assertTrue(problemAt(e, "providers.vc1.insecure").message().contains("not both"));
    assertTrue(
        problemAt(e, "providers.vc1.pools.p1.clone_type").message().contains("unknown value"));
    assertTrue(problemAt(e, "providers.vc1.pools.p1.colour").message().contains("unknown key"));
  }

  @Test
  void aMissingPassword_namesBothWaysToGiveIt() {
    ConfigException e =
        failure(
            """
            providers:
              vc1: {type: vsphere, url: "https://vc/sdk", user: u}
            pools: []
            """);

    String message = problemAt(e, "providers.vc1.password").message();
    assertTrue(message.contains("password: ${VARIABLE}"), message);
    assertTrue(message.contains("password_file"), message);
  }
}
