package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderContract;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.testing.GuestAgentDouble;
import dev.corral.activities.testing.VcSim;
import dev.corral.config.ProviderConfig;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The vSphere provider against the provider kit, on govmomi's vCenter simulator (tools/vcsim),
 * whose "guests" run VMware Tools 100 ms after power-on and report 127.0.0.1, where a double of the
 * guest agent answers. Each test has its own simulator.
 */
class VsphereProviderContractTest extends ProviderContract {
  private static VcSim vcsim;
  private GuestAgentDouble agent;

  @BeforeAll
  static void startSimulator() {
    vcsim = VcSim.start("-boot", "100ms");
  }

  @AfterAll
  static void stopSimulator() {
    vcsim.close();
  }

  /**
   * A base folder of its own, so no test sees another's VMs; the template made again if deleted.
   */
  @Override
  protected VmProvider newProvider(String name) {
    agent = GuestAgentDouble.start("1.2.3");
    if (vcsim.find("DC0/vm/templates/base").isEmpty()) {
      vcsim.makeTemplate("templates", "base", "{\"group\":\"kit\",\"version\":\"1.2.3\"}");
    }
    VsphereSettings settings =
        VsphereTestSettings.of(vcsim, agent.port())
            .withFolder("corral-" + UUID.randomUUID().toString().substring(0, 8));
    return VsphereProvider.create(new ProviderConfig(name, "vsphere", 4, 2, settings));
  }

  /** Runs after the kit's own clean-up of the VMs. */
  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Override
  protected String template() {
    return "base";
  }

  /** The simulator clones in milliseconds; its guests "boot" in 100 ms. */
  @Override
  protected Duration bootTimeout() {
    return Duration.ofSeconds(20);
  }

  /** The group's configure script fails in the guest: running it again would fail again. */
  @Override
  protected Map<String, String> failNextConfigurePermanently(String vmName) {
    return Map.of("script", "echo broken >&2; exit 3");
  }

  /** The guest's agent stops answering, as a dropped network would: the VM itself is fine. */
  @Override
  protected void failNextConfigureTransiently(String vmName) {
    agent.close();
  }
}
