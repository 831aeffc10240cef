package dev.corral.activities.provider.docker;

import dev.corral.activities.provider.ProviderContract;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.testing.PodmanService;
import dev.corral.config.ProviderConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * The docker provider against the provider kit, on a real Podman API service (started by the tests,
 * tools/podman) with the container guest (tools/guest/container). Each test has its own label scope
 * and its own template (a tag of the guest image), so it never sees another test's containers and
 * may delete its template. Snapshots, reverts and disks are declared unsupported: the kit skips
 * their tests and checks the refusals instead.
 */
class DockerProviderContractTest extends ProviderContract {
  private String template;

  @Override
  protected VmProvider newProvider(String name) {
    PodmanService podman = PodmanService.shared();
    String id = UUID.randomUUID().toString().substring(0, 8);
    template = "corral-kit-" + id;
    PodmanService.tagGuest(template);
    DockerSettings settings = DockerSettings.of(podman.host()).withScope("kit-" + id);
    return DockerProvider.create(new ProviderConfig(name, "docker", 4, 2, settings));
  }

  /**
   * The kit removes the containers; the template's tag and a prepared image left by a failure go
   * too.
   */
  @AfterEach
  void removeTemplates() {
    for (String image : List.of(template, "kit-prepared-1")) {
      PodmanService.podmanSucceeds("rmi", image);
    }
  }

  @Override
  protected String template() {
    return template;
  }

  /** A container guest is up in well under a second; two cores are shared with compilers. */
  @Override
  protected Duration bootTimeout() {
    return Duration.ofSeconds(30);
  }

  /** The group's configure script fails in the guest: running it again would fail again. */
  @Override
  protected Map<String, String> failNextConfigurePermanently(String vmName) {
    return Map.of("script", "echo broken >&2; exit 3");
  }

  /**
   * The guest's agent stops listening, as a dropped connection would: the container itself still
   * runs.
   */
  @Override
  protected void failNextConfigureTransiently(String vmName) {
    PodmanService.podman("exec", vmName, "killall", "httpd");
  }
}
