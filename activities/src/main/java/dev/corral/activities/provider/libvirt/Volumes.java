package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateSidecar;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.Stream;

/**
 * The provider's storage pool, reached through libvirt so that it works on a remote host as on this
 * one. Template {@code T} is volume {@code T.qcow2}, described by an optional {@link
 * TemplateSidecar} volume {@code T.json}. A VM's disk is volume {@code corral-vm.<vm>.qcow2} and
 * its extra disks {@code corral-vm.<vm>.disk-<id>.qcow2}: the prefix keeps them out of the template
 * listing, and tells what delete-on-error and destroy remove even when the domain is gone.
 */
final class Volumes {
  static final String IMAGE = ".qcow2";
  static final String SIDECAR = ".json";
  static final String VM_PREFIX = "corral-vm.";

  /** Template names become volume names; a VM's prefix is not one. */
  private static final Pattern TEMPLATE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** A sidecar is a few hundred bytes: one that is larger is not one. */
  private static final int MAX_SIDECAR = 64 * 1024;

  private final String poolName;

  Volumes(String poolName) {
    this.poolName = poolName;
  }

  static boolean validTemplateName(String name) {
    return name != null
        && TEMPLATE_NAME.matcher(name).matches()
        && !name.contains("..")
        && !name.startsWith(VM_PREFIX);
  }

  static String vmDisk(String vmName) {
    return VM_PREFIX + vmName + IMAGE;
  }

  static String extraDisk(String vmName, String diskId) {
    return VM_PREFIX + vmName + ".disk-" + diskId + IMAGE;
  }

  StoragePool pool(Connect c) throws LibvirtException {
    try {
      return c.storagePoolLookupByName(poolName);
    } catch (LibvirtException e) {
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
        throw ProviderException.transientFailure(
            "storage pool '" + poolName + "' is not defined on " + c.getURI());
      }
      throw e;
    }
  }

  /**
   * What keeps the configured pool from holding Corral's volumes on this host, or empty when
   * nothing does.
   */
  Optional<String> problem(Connect c) throws LibvirtException {
    StoragePool pool;
    try {
      pool = c.storagePoolLookupByName(poolName);
    } catch (LibvirtException e) {
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
        return Optional.of(
            "'"
                + poolName
                + "' is not a storage pool on "
                + c.getURI()
                + " (virsh pool-list --all)");
      }
      throw e;
    }
    if (pool.isActive() != 1) {
      return Optional.of(
          "storage pool '" + poolName + "' is not started (virsh pool-start " + poolName + ")");
    }
    return Optional.empty();
  }

  /** The volume, or empty when the pool has none of that name. */
  Optional<StorageVol> find(StoragePool pool, String volumeName) throws LibvirtException {
    try {
      return Optional.of(pool.storageVolLookupByName(volumeName));
    } catch (LibvirtException e) {
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Deletes the volume; one that is not there is fine. */
  void delete(StoragePool pool, String volumeName) throws LibvirtException {
    Optional<StorageVol> vol = find(pool, volumeName);
    if (vol.isPresent()) {
      try {
        vol.get().delete(0);
      } catch (LibvirtException e) {
        if (!LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
          throw e;
        }
      }
    }
  }

  /**
   * Re-reads the pool's directory, so that templates copied in by hand appear. Best effort: libvirt
   * refuses while one of its own jobs writes a volume, and the listing it has is then current.
   */
  void refresh(StoragePool pool) {
    try {
      pool.refresh(0);
    } catch (LibvirtException e) {
      // The next listing refreshes again.
    }
  }

  List<String> volumeNames(StoragePool pool) throws LibvirtException {
    List<String> names = new ArrayList<>(Arrays.asList(pool.listVolumes()));
    names.sort(String::compareTo);
    return names;
  }

  /** Every template whose image is whole: a prepared one finish is still copying is left out. */
  List<ProviderTemplate> templates(Connect c) throws LibvirtException {
    StoragePool pool = pool(c);
    refresh(pool);
    List<String> names = volumeNames(pool);
    List<ProviderTemplate> out = new ArrayList<>();
    for (String volume : names) {
      if (!volume.endsWith(IMAGE)) {
        continue;
      }
      String name = volume.substring(0, volume.length() - IMAGE.length());
      if (!validTemplateName(name)) {
        continue;
      }
      TemplateSidecar sidecar =
          names.contains(name + SIDECAR) ? sidecar(c, pool, name) : TemplateSidecar.NONE;
      if (!Boolean.TRUE.equals(sidecar.partial())) {
        out.add(sidecar.describe(name));
      }
    }
    return out;
  }

  /** The template's listing entry, or empty when it is missing or still being written. */
  Optional<ProviderTemplate> template(Connect c, String name) throws LibvirtException {
    StoragePool pool = pool(c);
    if (image(pool, name).isEmpty()) {
      return Optional.empty();
    }
    TemplateSidecar sidecar = sidecar(c, pool, name);
    return Boolean.TRUE.equals(sidecar.partial())
        ? Optional.empty()
        : Optional.of(sidecar.describe(name));
  }

  /**
   * Template {@code name}'s image volume, or empty when the name is not a template's or it is
   * missing.
   */
  Optional<StorageVol> image(StoragePool pool, String name) throws LibvirtException {
    if (!validTemplateName(name)) {
      return Optional.empty();
    }
    Optional<StorageVol> image = find(pool, name + IMAGE);
    if (image.isEmpty()) {
      // Copied in by hand since the last listing: libvirt sees it after a refresh.
      refresh(pool);
      image = find(pool, name + IMAGE);
    }
    return image;
  }

  TemplateSidecar sidecar(Connect c, StoragePool pool, String templateName)
      throws LibvirtException {
    Optional<StorageVol> vol = find(pool, templateName + SIDECAR);
    if (vol.isEmpty()) {
      return TemplateSidecar.NONE;
    }
    return TemplateSidecar.parse(download(c, vol.get()));
  }

  /** Writes the sidecar as a new volume: a volume's size is fixed when it is made. */
  void writeSidecar(Connect c, StoragePool pool, String templateName, TemplateSidecar sidecar)
      throws LibvirtException {
    byte[] json = sidecar.toJson();
    delete(pool, templateName + SIDECAR);
    StorageVol vol =
        pool.storageVolCreateXML(
            DomainXml.volume(templateName + SIDECAR, "raw", json.length, false), 0);
    Stream stream = c.streamNew(0);
    try {
      vol.upload(stream, 0, json.length, 0);
      int sent = 0;
      while (sent < json.length) {
        int n = stream.send(Arrays.copyOfRange(json, sent, json.length));
        if (n <= 0) {
          throw ProviderException.transientFailure(
              "writing sidecar " + templateName + SIDECAR + ": the stream took nothing");
        }
        sent += n;
      }
      stream.finish();
    } catch (LibvirtException | RuntimeException e) {
      abortQuietly(stream);
      throw e;
    } finally {
      stream.free();
    }
  }

  private static byte[] download(Connect c, StorageVol vol) throws LibvirtException {
    Stream stream = c.streamNew(0);
    try {
      vol.download(stream, 0, MAX_SIDECAR, 0);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = stream.receive(buf)) > 0) {
        out.write(buf, 0, n);
      }
      stream.finish();
      return out.toByteArray();
    } catch (LibvirtException | RuntimeException e) {
      abortQuietly(stream);
      throw e;
    } finally {
      stream.free();
    }
  }

  private static void abortQuietly(Stream stream) {
    try {
      stream.abort();
    } catch (LibvirtException | RuntimeException e) {
      // Already ended.
    }
  }
}
