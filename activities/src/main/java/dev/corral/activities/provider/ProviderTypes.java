package dev.corral.activities.provider;

import dev.corral.activities.provider.docker.DockerType;
import dev.corral.activities.provider.libvirt.LibvirtType;
import dev.corral.activities.provider.qemu.QemuType;
import dev.corral.activities.provider.simulated.SimulatedType;
import dev.corral.activities.provider.vsphere.VsphereType;
import dev.corral.config.ProviderCatalog;
import dev.corral.config.ProviderConfig;
import dev.corral.config.ProviderSettingsBinder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every provider type Corral has, in one place: adding a provider means adding its line to {@link
 * #TYPES}. The config module finds this catalogue through {@code
 * META-INF/services/dev.corral.config.ProviderCatalog}, so every config load checks provider
 * settings; {@link ProviderRegistry} builds providers from it.
 */
public final class ProviderTypes implements ProviderCatalog {
  /**
   * In the order config messages list them ("known types: simulated, qemu, libvirt, vsphere,
   * docker").
   */
  private static final List<ProviderType> TYPES =
      List.of(
          new SimulatedType(),
          new QemuType(),
          new LibvirtType(),
          new VsphereType(),
          new DockerType());

  private static final Map<String, ProviderType> BY_NAME = byName();

  /** For {@link java.util.ServiceLoader}; the catalogue itself is static. */
  public ProviderTypes() {}

  @Override
  public Map<String, ProviderSettingsBinder> binders() {
    return Collections.unmodifiableMap(BY_NAME);
  }

  /**
   * The type of a configured provider.
   *
   * @throws IllegalArgumentException when no type of that name exists (a config the loader did not
   *     check)
   */
  public static ProviderType of(ProviderConfig config) {
    ProviderType type = BY_NAME.get(config.type());
    if (type == null) {
      throw new IllegalArgumentException(
          "provider " + config.name() + " has unsupported type " + config.type());
    }
    return type;
  }

  /**
   * Whether providers of this type run containers; false for a type Corral does not know (a
   * provider removed from the code but still in the database).
   */
  public static boolean runsContainers(String typeName) {
    ProviderType type = BY_NAME.get(typeName);
    return type != null && type.runsContainers();
  }

  /**
   * Whether a template on a provider of {@code typeName} is what a selector's {@code container}
   * flag asks for (null: either kind).
   */
  public static boolean matchesContainerFlag(String typeName, Boolean container) {
    return container == null || container == runsContainers(typeName);
  }

  private static Map<String, ProviderType> byName() {
    Map<String, ProviderType> types = new LinkedHashMap<>();
    for (ProviderType t : TYPES) {
      types.put(t.name(), t);
    }
    return types;
  }
}
