package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.vsphere.Places.Target;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.workflows.model.VmShape;
import java.util.Map;
import java.util.Optional;

/**
 * The clone specs Corral sends. Element order follows the vim25 schema (a real vCenter rejects
 * another order even where the simulator does not).
 */
final class CloneSpecs {
  private CloneSpecs() {}

  /**
   * A pool VM or build VM: powered off at first (Corral powers it on once it exists, so a clone
   * that fails half-way never runs), with its instance UUID and Corral's advanced settings written
   * in the same call that makes it. A linked clone shares the template snapshot's disks and writes
   * into child disks of its own. {@code networkChange} moves the first network card.
   */
  static String clone(
      Target target,
      Optional<ManagedObject> host,
      Optional<ManagedObject> snapshot,
      Optional<String> networkChange,
      String instanceUuid,
      VmShape shape,
      Map<String, String> corral) {
    StringBuilder spec = new StringBuilder("<spec><location>");
    if (target.datastore() != null) {
      spec.append(target.datastore().xml("datastore"));
    }
    if (snapshot.isPresent()) {
      spec.append("<diskMoveType>createNewChildDiskBacking</diskMoveType>");
    }
    spec.append(target.resourcePool().xml("pool"));
    host.ifPresent(h -> spec.append(h.xml("host")));
    networkChange.ifPresent(spec::append);
    spec.append("</location><template>false</template><config>");
    spec.append(VimXml.element("instanceUuid", instanceUuid));
    if (shape.cpus() != null) {
      spec.append("<numCPUs>").append(shape.cpus()).append("</numCPUs>");
    }
    if (shape.memoryMb() != null) {
      spec.append("<memoryMB>").append(shape.memoryMb()).append("</memoryMB>");
    }
    corral.forEach((k, v) -> spec.append(Vms.option(k, v)));
    spec.append("</config><powerOn>false</powerOn>");
    snapshot.ifPresent(s -> spec.append(s.xml("snapshot")));
    return spec.append("</spec>").toString();
  }

  /**
   * A prepared template from a powered-off build VM: a full clone (its own disks, no link to the
   * raw template's snapshot) marked as a template, with its annotation.
   */
  static String template(String annotation) {
    return "<spec><location/><template>true</template><config>"
        + VimXml.element("annotation", annotation)
        + "</config><powerOn>false</powerOn></spec>";
  }
}
