package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.guest.GuestContract;
import dev.corral.activities.provider.vsphere.VsphereSettings.PoolPlacement;
import dev.corral.activities.provider.vsphere.VsphereSettings.Secret;
import dev.corral.activities.testing.VcSim;
import java.util.Map;

/** Settings for a provider on a test's simulator, with the defaults a config would get. */
final class VsphereTestSettings {
  private VsphereTestSettings() {}

  static VsphereSettings of(VcSim vcsim, int agentPort) {
    return of(vcsim, agentPort, VsphereSettings.LINKED, Map.of());
  }

  static VsphereSettings of(
      VcSim vcsim, int agentPort, String cloneType, Map<String, PoolPlacement> pools) {
    return of(vcsim, agentPort, cloneType, pools, 0);
  }

  /** With {@code sessions} vCenter sessions (0: as many as the slots ask for). */
  static VsphereSettings of(
      VcSim vcsim,
      int agentPort,
      String cloneType,
      Map<String, PoolPlacement> pools,
      int sessions) {
    return new VsphereSettings(
        vcsim.sdk(),
        vcsim.user(),
        new Secret(vcsim.password(), "the test"),
        vcsim.caFile(),
        false,
        null,
        VsphereSettings.DEFAULT_FOLDER,
        VsphereSettings.DEFAULT_TEMPLATE_FOLDER,
        null,
        null,
        null,
        null,
        cloneType,
        VsphereSettings.TOOLS,
        Map.of(GuestContract.AGENT_PORT, agentPort),
        sessions,
        VsphereSettings.DEFAULT_CALL_TIMEOUT_SECONDS,
        VsphereSettings.DEFAULT_TASK_TIMEOUT_SECONDS,
        pools,
        true);
  }
}
