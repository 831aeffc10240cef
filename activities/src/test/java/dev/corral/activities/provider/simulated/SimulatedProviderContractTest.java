package dev.corral.activities.provider.simulated;

import dev.corral.activities.provider.ProviderContract;
import dev.corral.activities.provider.VmProvider;
import dev.corral.activities.provider.simulated.SimulatedControls.Operation;
import dev.corral.activities.provider.simulated.SimulatedSettings.FailPercent;
import dev.corral.activities.provider.simulated.SimulatedSettings.SimulatedTemplate;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ProviderConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The simulated hypervisor against the provider kit: every call instant, failures forced through
 * its controls.
 */
class SimulatedProviderContractTest extends ProviderContract {
  private SimulatedProvider simulated;

  @Override
  protected VmProvider newProvider(String name) {
    SimulatedSettings settings =
        new SimulatedSettings(
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            FailPercent.NONE,
            0,
            null,
            SecondsRange.ZERO,
            Map.of(),
            List.of(new SimulatedTemplate("base", "kit", "1.0", LocalDate.of(2026, 1, 1))),
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO,
            SecondsRange.ZERO);
    Path stateFile = TestDirs.fresh("sim-kit").resolve(name + ".json");
    simulated =
        new SimulatedProvider(
            new ProviderConfig(name, "simulated", 10, 10, settings),
            settings,
            stateFile,
            Clock.systemUTC(),
            new SplittableRandom(17),
            Sleeper.REAL);
    return simulated;
  }

  @Override
  protected String template() {
    return "base";
  }

  @Override
  protected Duration bootTimeout() {
    return Duration.ofSeconds(5);
  }

  @Override
  protected Map<String, String> failNextConfigurePermanently(String vmName) {
    simulated.controls().failNextPermanently(Operation.CONFIGURE, "configure script exited 1");
    return Map.of("motd", "never applied");
  }

  @Override
  protected void failNextConfigureTransiently(String vmName) {
    simulated.controls().failNext(Operation.CONFIGURE, "guest agent unreachable");
  }
}
