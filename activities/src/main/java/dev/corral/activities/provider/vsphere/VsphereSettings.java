package dev.corral.activities.provider.vsphere;

import dev.corral.config.ProviderSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Knobs of the vSphere provider: one vCenter, where its VMs live, and how they are cloned and
 * reached. Paths are inventory paths below a datacenter's folders, as the vSphere client shows them
 * ({@code ci/linux}), never object ids.
 *
 * @param url the vCenter SDK address, {@code https://vcenter.example.com/sdk}
 * @param user the vCenter user
 * @param password the user's password, read from the environment or a file; never shown
 * @param caFile PEM certificates the vCenter's certificate must chain to; null: the JDK's trust
 *     store
 * @param insecure accept any certificate (a lab without a CA); off unless set
 * @param datacenter the datacenter VMs and templates live in; null: the first one vCenter lists
 * @param folder the base VM folder: each pool's VMs go to {@code folder/<pool>} (made when
 *     missing), build VMs to {@code folder} itself; also what makes a VM Corral's
 * @param templateFolder the VM folder holding raw and prepared templates
 * @param cluster the cluster clones are placed in; null: the datacenter's first cluster
 * @param resourcePool a resource pool path inside the cluster; null: the cluster's root pool
 * @param datastore the datastore of clones; null: the template's
 * @param network the port group (standard or distributed) of a clone's first network card; null:
 *     the template's
 * @param cloneType {@code linked} (from a snapshot of the template, made once) or {@code full}
 * @param readiness {@code tools}: ready once VMware Tools run and report an address; {@code agent}:
 *     also Corral's guest agent answers (templates of the guest contract)
 * @param ports guest TCP ports by the name lease replies give them, on the guest's own address
 * @param sessions vCenter sessions kept open; 0: the provider's clone and build slots plus one, at
 *     least 2, so listings never wait behind clones
 * @param callTimeoutSeconds longest wait for one vCenter call
 * @param taskTimeoutSeconds longest wait for one vCenter task (a full clone copies disks)
 * @param pools per-pool overrides of where and how that pool's VMs are made
 * @param purgeEmptyFolders the reconciler removes empty folders in the base folder that no
 *     configured pool uses (at their second sighting; {@code purge.allowlist} names kept ones)
 */
public record VsphereSettings(
    URI url,
    String user,
    Secret password,
    Path caFile,
    boolean insecure,
    String datacenter,
    String folder,
    String templateFolder,
    String cluster,
    String resourcePool,
    String datastore,
    String network,
    String cloneType,
    String readiness,
    Map<String, Integer> ports,
    int sessions,
    int callTimeoutSeconds,
    int taskTimeoutSeconds,
    Map<String, PoolPlacement> pools,
    boolean purgeEmptyFolders)
    implements ProviderSettings {

  public static final String LINKED = "linked";
  public static final String FULL = "full";
  public static final List<String> CLONE_TYPES = List.of(LINKED, FULL);
  public static final String TOOLS = "tools";
  public static final String AGENT = "agent";
  public static final List<String> READINESS = List.of(TOOLS, AGENT);
  public static final String DEFAULT_FOLDER = "corral";
  public static final String DEFAULT_TEMPLATE_FOLDER = "templates";
  public static final int DEFAULT_CALL_TIMEOUT_SECONDS = 60;
  public static final int DEFAULT_TASK_TIMEOUT_SECONDS = 1800;

  /**
   * Where and how one pool's VMs are made; a null part means the provider's value.
   *
   * @param folder the pool's VM folder; null: {@code <provider folder>/<pool>}
   */
  public record PoolPlacement(
      String datacenter,
      String folder,
      String cluster,
      String resourcePool,
      String datastore,
      String network,
      String cloneType) {
    public static final PoolPlacement NONE =
        new PoolPlacement(null, null, null, null, null, null, null);
  }

  /**
   * A password that no log line, message or {@code toString} ever shows; {@code source} says where
   * it came from (for messages).
   */
  public record Secret(String value, String source) {
    @Override
    public String toString() {
      return "(secret from " + source + ")";
    }
  }

  public VsphereSettings {
    ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
    pools = Map.copyOf(pools);
  }

  /** The same settings with another base folder. */
  public VsphereSettings withFolder(String newFolder) {
    return new VsphereSettings(
        url,
        user,
        password,
        caFile,
        insecure,
        datacenter,
        newFolder,
        templateFolder,
        cluster,
        resourcePool,
        datastore,
        network,
        cloneType,
        readiness,
        ports,
        sessions,
        callTimeoutSeconds,
        taskTimeoutSeconds,
        pools,
        purgeEmptyFolders);
  }

  /** The pool's overrides, or none. */
  public PoolPlacement placementOf(String pool) {
    return pool == null ? PoolPlacement.NONE : pools.getOrDefault(pool, PoolPlacement.NONE);
  }
}
