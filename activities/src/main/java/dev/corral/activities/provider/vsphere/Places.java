package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.vsphere.VsphereSettings.PoolPlacement;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimFault;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.w3c.dom.Element;

/**
 * Where a pool's VMs go, resolved from the settings' inventory paths: every object is found by its
 * path (vCenter's search index answers in one call; nothing walks the tree), and found objects are
 * remembered by path. Missing VM folders are made.
 */
final class Places {
  /** Everything a clone for one pool needs to know about where it goes. */
  record Target(
      String datacenter,
      String folderPath,
      ManagedObject folder,
      ManagedObject cluster,
      ManagedObject resourcePool,
      ManagedObject datastore,
      String networkName,
      ManagedObject network,
      boolean linked) {}

  private final String provider;
  private final VsphereSettings settings;
  private final Map<String, ManagedObject> byPath = new ConcurrentHashMap<>();
  private volatile String firstDatacenter;

  Places(String provider, VsphereSettings settings) {
    this.provider = provider;
    this.settings = settings;
  }

  /** The pool's datacenter: the pool's own, else the provider's, else the first one. */
  String datacenter(VimSession s, String pool) throws IOException {
    String dc = settings.placementOf(pool).datacenter();
    if (dc == null) {
      dc = settings.datacenter();
    }
    return dc != null ? dc : firstDatacenter(s);
  }

  /** The VM folder path of a pool ({@code folder/<pool>}, or its own), or of build VMs (null). */
  String folderPath(String pool) {
    String own = settings.placementOf(pool).folder();
    if (own != null) {
      return own;
    }
    return pool == null ? settings.folder() : settings.folder() + "/" + pool;
  }

  /** Where one pool's clones go; folders are made when missing. */
  Target target(VimSession s, String pool) throws IOException {
    PoolPlacement p = settings.placementOf(pool);
    String dc = datacenter(s, pool);
    String folderPath = folderPath(pool);
    ManagedObject folder = folder(s, dc, folderPath);
    String clusterPath = p.cluster() != null ? p.cluster() : settings.cluster();
    ManagedObject cluster =
        clusterPath != null
            ? require(s, dc + "/host/" + clusterPath, "cluster", clusterPath)
            : firstCluster(s, dc);
    String rpPath = p.resourcePool() != null ? p.resourcePool() : settings.resourcePool();
    ManagedObject resourcePool =
        rpPath != null
            ? require(
                s,
                dc
                    + "/host/"
                    + (clusterPath != null ? clusterPath : name(s, cluster))
                    + "/Resources/"
                    + rpPath,
                "resource_pool",
                rpPath)
            : VimXml.reference(s.properties(cluster, "resourcePool").get("resourcePool"));
    String dsName = p.datastore() != null ? p.datastore() : settings.datastore();
    ManagedObject datastore =
        dsName == null ? null : require(s, dc + "/datastore/" + dsName, "datastore", dsName);
    String networkName = p.network() != null ? p.network() : settings.network();
    ManagedObject network =
        networkName == null
            ? null
            : require(s, dc + "/network/" + networkName, "network", networkName);
    String cloneType = p.cloneType() != null ? p.cloneType() : settings.cloneType();
    return new Target(
        dc,
        folderPath,
        folder,
        cluster,
        resourcePool,
        datastore,
        networkName,
        network,
        VsphereSettings.LINKED.equals(cloneType));
  }

  /** The datacenters the provider's VMs may be in: the provider's and every pool's own. */
  List<String> datacenters(VimSession s) throws IOException {
    Set<String> dcs = new LinkedHashSet<>();
    dcs.add(datacenter(s, null));
    for (PoolPlacement p : settings.pools().values()) {
      if (p.datacenter() != null) {
        dcs.add(p.datacenter());
      }
    }
    return new ArrayList<>(dcs);
  }

  /**
   * The folders whose VMs are Corral's in datacenter {@code dc}: the base folder (a pool in another
   * datacenter has its folder below the base folder there), and the pools' own folders there. Pool
   * folders below the base folder are listed with it.
   */
  List<String> baseFolders(VimSession s, String dc) throws IOException {
    Set<String> folders = new LinkedHashSet<>();
    folders.add(settings.folder());
    for (Map.Entry<String, PoolPlacement> e : settings.pools().entrySet()) {
      if (e.getValue().folder() != null && dc.equals(datacenter(s, e.getKey()))) {
        folders.add(e.getValue().folder());
      }
    }
    return new ArrayList<>(folders);
  }

  /** The object at a full inventory path ({@code DC0/vm/corral/pool-a}), or empty. */
  Optional<ManagedObject> find(VimSession s, String path) throws IOException {
    ManagedObject known = byPath.get(path);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<ManagedObject> found = s.findByInventoryPath(path);
    found.ifPresent(o -> byPath.put(path, o));
    return found;
  }

  /** Forgets every object found: one of them turned out to be gone. */
  void forgetAll() {
    byPath.clear();
  }

  /** Forgets a path whose object turned out to be gone (an operator removed a folder). */
  void forget(String path) {
    byPath.remove(path);
  }

  /** The VM folder {@code dc/vm/path}, made (with its parents) when missing. */
  ManagedObject folder(VimSession s, String dc, String path) throws IOException {
    String full = dc + "/vm/" + path;
    Optional<ManagedObject> found = find(s, full);
    if (found.isPresent()) {
      return found.get();
    }
    int slash = path.lastIndexOf('/');
    ManagedObject parent =
        slash < 0
            ? require(s, dc + "/vm", "datacenter", dc)
            : folder(s, dc, path.substring(0, slash));
    try {
      Element r =
          s.invoke("CreateFolder", parent, VimXml.element("name", path.substring(slash + 1)));
      ManagedObject made = VimXml.reference(VimXml.child(r, "returnval").orElseThrow());
      byPath.put(full, made);
      return made;
    } catch (VimFault f) {
      if (!f.is(VimFault.DUPLICATE_NAME)) {
        throw f;
      }
      // Made meanwhile by another clone of the same pool.
      return require(s, full, "folder", path);
    }
  }

  ManagedObject require(VimSession s, String fullPath, String key, String value)
      throws IOException {
    return find(s, fullPath)
        .orElseThrow(
            () ->
                ProviderException.permanent(
                    ErrorTypes.CLONE_FAILED,
                    "provider "
                        + provider
                        + ": "
                        + key
                        + " '"
                        + value
                        + "' not found in vCenter (looked for "
                        + fullPath
                        + ")"));
  }

  private String firstDatacenter(VimSession s) throws IOException {
    if (firstDatacenter != null) {
      return firstDatacenter;
    }
    ManagedObject root = s.content().rootFolder();
    for (ManagedObject child : children(s, root)) {
      if ("Datacenter".equals(child.type())) {
        firstDatacenter = name(s, child);
        return firstDatacenter;
      }
    }
    throw ProviderException.transientFailure(
        "provider " + provider + ": vCenter has no datacenter");
  }

  private ManagedObject firstCluster(VimSession s, String dc) throws IOException {
    ManagedObject hostFolder = require(s, dc + "/host", "datacenter", dc);
    for (ManagedObject child : children(s, hostFolder)) {
      if ("ClusterComputeResource".equals(child.type())) {
        return child;
      }
    }
    throw ProviderException.permanent(
        ErrorTypes.CLONE_FAILED,
        "provider " + provider + ": datacenter " + dc + " has no cluster; set cluster");
  }

  static List<ManagedObject> children(VimSession s, ManagedObject folder) throws IOException {
    Element list = s.properties(folder, "childEntity").get("childEntity");
    return list == null
        ? List.of()
        : VimXml.children(list).stream().map(VimXml::reference).toList();
  }

  static String name(VimSession s, ManagedObject o) throws IOException {
    Element e = s.properties(o, "name").get("name");
    return e == null ? o.value() : e.getTextContent().strip();
  }
}
