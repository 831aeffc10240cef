package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderTemplate;
import dev.corral.activities.provider.TemplateSidecar;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.w3c.dom.Element;

/**
 * Templates: VMs marked as templates in the template folder, found by inventory path. What Corral
 * knows of one (group, version, date, prepared) is the JSON of its annotation (the Notes field),
 * the same document a libvirt template's sidecar holds; a raw template without one is listed with
 * nothing known. Linked clones start from the template's snapshot {@value #BASE_SNAPSHOT}, made the
 * first time one is needed.
 */
final class Templates {
  static final String BASE_SNAPSHOT = "corral-linked-clone-base";

  private final VsphereSettings settings;
  private final Places places;
  private final Map<ManagedObject, Object> snapshotLocks = new ConcurrentHashMap<>();

  Templates(VsphereSettings settings, Places places) {
    this.settings = settings;
    this.places = places;
  }

  /** The template folder's path below a datacenter's VM folder. */
  String folderPath() {
    return settings.templateFolder();
  }

  String path(String dc, String name) {
    return dc + "/vm/" + settings.templateFolder() + "/" + name;
  }

  /** The template (or a VM still becoming one) at the template folder's {@code name}. */
  Optional<ManagedObject> find(VimSession s, String dc, String name) throws IOException {
    Optional<ManagedObject> ref = places.find(s, path(dc, name));
    if (ref.isPresent() && !Vms.exists(s, ref.get())) {
      // Deleted by hand since it was found: look again.
      places.forget(path(dc, name));
      ref = places.find(s, path(dc, name));
    }
    return ref;
  }

  /** The templates of the template folder of {@code dc}. */
  List<ProviderTemplate> list(VimSession s, String dc) throws IOException {
    Optional<ManagedObject> folder = places.find(s, dc + "/vm/" + settings.templateFolder());
    if (folder.isEmpty()) {
      return List.of();
    }
    String spec =
        "<specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet>"
            + "<pathSet>config.template</pathSet><pathSet>config.annotation</pathSet></propSet>"
            + "<objectSet>"
            + folder.get().xml("obj")
            + "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>folder</name>"
            + "<type>Folder</type><path>childEntity</path><skip>false</skip></selectSet>"
            + "</objectSet></specSet>";
    return s.retrieve(spec).stream()
        .filter(o -> "VirtualMachine".equals(o.object().type()))
        .filter(o -> "true".equals(o.text("config.template").orElse("false")))
        .map(o -> sidecar(o.text("config.annotation").orElse("")).describe(o.text("name").get()))
        .toList();
  }

  /** What a template's annotation says of it. */
  static TemplateSidecar sidecar(String annotation) {
    return annotation.isBlank()
        ? TemplateSidecar.NONE
        : TemplateSidecar.parse(annotation.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The template's snapshot linked clones start from, made when missing. vSphere takes no snapshot
   * of a template, so the template turns into a VM for the snapshot and back; a crash in between
   * leaves a VM at the template's path, which the next call finishes turning back.
   */
  ManagedObject baseSnapshot(
      VimSession s, ManagedObject template, ManagedObject resourcePool, Duration timeout)
      throws IOException {
    synchronized (snapshotLocks.computeIfAbsent(template, k -> new Object())) {
      Map<String, Element> props =
          s.properties(template, "config.template", "snapshot.rootSnapshotList");
      boolean isTemplate =
          "true"
              .equals(
                  Optional.ofNullable(props.get("config.template"))
                      .map(e -> e.getTextContent().strip())
                      .orElse("false"));
      Optional<ManagedObject> snapshot =
          Optional.ofNullable(props.get("snapshot.rootSnapshotList"))
              .flatMap(list -> findSnapshot(list, BASE_SNAPSHOT));
      if (snapshot.isPresent() && isTemplate) {
        return snapshot.get();
      }
      if (isTemplate) {
        s.invoke("MarkAsVirtualMachine", template, resourcePool.xml("pool"));
      }
      if (snapshot.isEmpty()) {
        snapshot =
            s.runTask(
                    "CreateSnapshot_Task",
                    template,
                    VimXml.element("name", BASE_SNAPSHOT)
                        + VimXml.element("description", "Corral's linked clones start here")
                        + "<memory>false</memory><quiesce>false</quiesce>",
                    timeout)
                .map(VimXml::reference);
      }
      s.invoke("MarkAsTemplate", template, "");
      return snapshot.orElseThrow(
          () -> new IOException("vCenter made snapshot " + BASE_SNAPSHOT + " but returned none"));
    }
  }

  /** The snapshot called {@code name} in a snapshot tree list (recursively), or empty. */
  static Optional<ManagedObject> findSnapshot(Element treeList, String name) {
    for (Element tree : VimXml.children(treeList)) {
      Optional<ManagedObject> found = findInTree(tree, name);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Optional<ManagedObject> findInTree(Element tree, String name) {
    if (name.equals(VimXml.text(tree, "name").orElse(null))) {
      return VimXml.child(tree, "snapshot").map(VimXml::reference);
    }
    for (Element child : VimXml.children(tree, "childSnapshotList")) {
      Optional<ManagedObject> found = findInTree(child, name);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }
}
