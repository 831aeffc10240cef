package dev.corral.activities.provider.docker;

import static dev.corral.config.TestConfigs.failure;
import static dev.corral.config.TestConfigs.load;
import static dev.corral.config.TestConfigs.problemAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.config.ConfigException;
import dev.corral.config.ProviderConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A docker provider's keys as config loading reads them, and what start-up refuses. */
class DockerSettingsTest {

  @Test
  void dockerSettingsAreReadAsWritten() {
    ProviderConfig p =
        load("""
        providers:
          containers-1:
            type: docker
            host: tcp://docker1.example.org:2376
            tls_cert_dir: /etc/corral/docker-tls
            publish_address: 0.0.0.0
            address: docker1.example.org
            ports: {agent: 80, ssh: 22}
            memory_mb: 512
            cpus: 2
            scope: corral-prod
            connect_timeout_seconds: 3
            api_timeout_seconds: 300
            max_vms: 50
        pools: []
        """)
            .providers()
            .get("containers-1");

    assertEquals(50, p.maxVms());
    assertEquals(
        new DockerSettings(
            "tcp://docker1.example.org:2376",
            "/etc/corral/docker-tls",
            "0.0.0.0",
            "docker1.example.org",
            Map.of("agent", 80, "ssh", 22),
            512,
            2,
            "corral-prod",
            3,
            300),
        p.settings());
    assertEquals(
        List.of("agent", "ssh"),
        List.copyOf(((DockerSettings) p.settings()).ports().keySet()),
        "written order");
  }

  @Test
  void defaults_theLocalDockerSocket_publishedOnLoopback_agentPortOnly_scopeIsTheName() {
    DockerSettings s =
        (DockerSettings)
            load("providers: {c: {type: docker}}\npools: []").providers().get("c").settings();

    assertEquals("unix:///var/run/docker.sock", s.host());
    assertNull(s.tlsCertDir());
    assertEquals("127.0.0.1", s.publishAddress());
    assertEquals("127.0.0.1", s.address(), "the publish address is where guests are reached");
    assertEquals(Map.of("agent", 80), s.ports());
    assertEquals(256, s.memoryMb());
    assertEquals(1, s.cpus());
    assertNull(s.scope(), "null: the provider's name");
    assertEquals(5, s.connectTimeoutSeconds());
    assertEquals(120, s.apiTimeoutSeconds());
  }

  @Test
  void badDockerSettings_areProblemsNamingKeyAndLine() {
    ConfigException e =
        failure(
            """
        providers:
          c:
            type: docker
            host: http://docker1:2375
            tls_cert_dir: relative/certs
            publish_address: localhost
            memory_mb: 4
            cpus: 0
            ports: {ssh: 22}
            scope: "bad scope"
            storage_pool: x
        """);

    assertEquals(4, problemAt(e, "providers.c.host").line());
    assertTrue(
        problemAt(e, "providers.c.host").message().contains("not a Docker endpoint"),
        e.getMessage());
    assertTrue(
        problemAt(e, "providers.c.tls_cert_dir").message().contains("absolute path"),
        e.getMessage());
    assertTrue(
        problemAt(e, "providers.c.publish_address").message().contains("IP address"),
        e.getMessage());
    assertEquals(7, problemAt(e, "providers.c.memory_mb").line());
    assertEquals(8, problemAt(e, "providers.c.cpus").line());
    assertTrue(problemAt(e, "providers.c.ports").message().contains("'agent'"), e.getMessage());
    assertEquals(10, problemAt(e, "providers.c.scope").line());
    assertEquals(11, problemAt(e, "providers.c.storage_pool").line(), "not a docker key");
  }

  @Test
  void aTcpHostNeedsTlsCertificates_andAnAddressToReachGuestsAt() {
    ConfigException e =
        failure(
            """
        providers:
          c:
            type: docker
            host: tcp://docker1.example.org:2376
        """);

    assertTrue(
        problemAt(e, "providers.c.tls_cert_dir").message().contains("ca.pem, cert.pem and key.pem"),
        e.getMessage());
    assertTrue(
        problemAt(e, "providers.c.address").message().startsWith("required when"), e.getMessage());
  }

  @Test
  void tlsCertificatesOnAUnixSocket_andAWildcardWithoutAnAddress_areProblems() {
    ConfigException e =
        failure(
            """
        providers:
          c:
            type: docker
            host: unix:///run/podman/podman.sock
            tls_cert_dir: /etc/certs
            publish_address: 0.0.0.0
        """);

    assertTrue(
        problemAt(e, "providers.c.tls_cert_dir").message().contains("tcp:// host only"),
        e.getMessage());
    assertTrue(problemAt(e, "providers.c.address").message().contains("wildcard"), e.getMessage());
  }

  @Test
  void unreadableTlsCertificates_areRefusedAtStartUp_namingTheKey() {
    ProviderConfig p =
        load("""
        providers:
          c:
            type: docker
            host: tcp://docker1.example.org:2376
            tls_cert_dir: /nonexistent/corral-certs
            address: docker1.example.org
        pools: []
        """)
            .providers()
            .get("c");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DockerProvider.create(p));
    assertTrue(e.getMessage().startsWith("providers.c.tls_cert_dir: "), e.getMessage());
    assertTrue(e.getMessage().contains("ca.pem"), e.getMessage());
  }
}
