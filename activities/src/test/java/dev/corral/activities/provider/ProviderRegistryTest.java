package dev.corral.activities.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corral.activities.provider.simulated.SecondsRange;
import dev.corral.activities.provider.simulated.SimulatedProvider;
import dev.corral.activities.provider.simulated.SimulatedSettings;
import dev.corral.activities.provider.simulated.SimulatedSettings.FailPercent;
import dev.corral.activities.testing.TestDirs;
import dev.corral.config.ProviderConfig;
import dev.corral.workflows.ErrorTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProviderRegistryTest {
  private final Path dir = Path.of("target", "test-registry-" + UUID.randomUUID());

  @AfterEach
  void tearDown() {
    TestDirs.delete(dir);
  }

  private static ProviderConfig simulated(String name, int maxVms) {
    SimulatedSettings s =
        new SimulatedSettings(
            SecondsRange.ZERO, SecondsRange.ZERO, SecondsRange.ZERO, FailPercent.NONE, 0, null);
    return new ProviderConfig(name, "simulated", maxVms, 5, s);
  }

  @Test
  void buildsSimulatedProvidersFromConfigInOrder() {
    Map<String, ProviderConfig> configs = new LinkedHashMap<>();
    configs.put("zeta", simulated("zeta", 3));
    configs.put("alpha", simulated("alpha", 7));

    try (ProviderRegistry registry = ProviderRegistry.fromConfig(configs, dir)) {
      assertEquals(List.of("zeta", "alpha"), List.copyOf(registry.names()));
      assertEquals(2, registry.all().size());
      VmProvider alpha = registry.get("alpha");
      assertInstanceOf(SimulatedProvider.class, alpha);
      assertEquals("alpha", alpha.name());
      assertEquals(7, registry.config("alpha").maxVms());

      alpha.cloneVm("vm-1", "t");
      assertEquals(1, alpha.inventory().size());
      assertTrue(registry.get("zeta").inventory().isEmpty());
      assertTrue(Files.exists(dir.resolve("providers").resolve("alpha.json")));
    }
  }

  @Test
  void unknownProviderIsPermanentUnknownProvider() {
    try (ProviderRegistry registry =
        ProviderRegistry.fromConfig(Map.of("sim", simulated("sim", 1)), dir)) {
      ProviderException e = assertThrows(ProviderException.class, () -> registry.get("nope"));
      assertTrue(e.permanent());
      assertEquals(ErrorTypes.UNKNOWN_PROVIDER, e.errorType());

      ProviderException c = assertThrows(ProviderException.class, () -> registry.config("nope"));
      assertEquals(ErrorTypes.UNKNOWN_PROVIDER, c.errorType());
    }
  }

  @Test
  void closeClosesEveryProviderEvenIfOneFails() {
    AtomicInteger closed = new AtomicInteger();
    VmProvider failing =
        new StubProvider(
            "a",
            () -> {
              closed.incrementAndGet();
              throw new IllegalStateException("boom");
            });
    VmProvider fine = new StubProvider("b", closed::incrementAndGet);
    Map<String, VmProvider> providers = new LinkedHashMap<>();
    providers.put("a", failing);
    providers.put("b", fine);
    Map<String, ProviderConfig> configs = new LinkedHashMap<>();
    configs.put("a", simulated("a", 1));
    configs.put("b", simulated("b", 1));

    ProviderRegistry registry = new ProviderRegistry(providers, configs);
    assertSame(fine, registry.get("b"));
    assertThrows(IllegalStateException.class, registry::close);
    assertEquals(2, closed.get());
  }

  @Test
  void constructorRejectsMismatchedMaps() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new ProviderRegistry(Map.of(), Map.of("a", simulated("a", 1))));
  }

  private record StubProvider(String name, Runnable onClose) implements VmProvider {
    @Override
    public ProviderVm cloneVm(String vmName, String template) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Readiness checkReady(String vmName) {
      return Readiness.failed("stub");
    }

    @Override
    public Optional<ProviderVm> get(String vmName) {
      return Optional.empty();
    }

    @Override
    public List<ProviderVm> inventory() {
      return List.of();
    }

    @Override
    public void destroy(String vmName) {}

    @Override
    public List<ProviderTemplate> templates() {
      return List.of();
    }

    @Override
    public ProviderVm deploy(String vmName, String template) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<String> guestVersion(String vmName) {
      return Optional.empty();
    }

    @Override
    public void configure(String vmName, Map<String, String> settings) {}

    @Override
    public void seal(String vmName) {}

    @Override
    public void powerOff(String vmName, java.time.Duration graceful) {}

    @Override
    public ProviderTemplate createTemplate(String vmName, String templateName) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void deleteTemplate(String templateName) {}

    @Override
    public void snapshot(String vmName, String snapshotId) {}

    @Override
    public void revertSnapshot(String vmName, String snapshotId) {}

    @Override
    public void addDisk(String vmName, String diskId, int sizeGb) {}

    @Override
    public void close() {
      onClose.run();
    }
  }
}
