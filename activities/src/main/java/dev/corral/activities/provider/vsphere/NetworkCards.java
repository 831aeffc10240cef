package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderException;
import dev.corral.activities.provider.XmlText;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import dev.corral.workflows.ErrorTypes;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Puts a clone's first network card on the configured network: a standard port group or a
 * distributed one. The card is sent back as the template has it, with only its backing replaced,
 * because vCenter takes an edited device as a whole.
 */
final class NetworkCards {
  /** The vim25 types of network cards. */
  private static final Set<String> CARDS =
      Set.of(
          "VirtualE1000",
          "VirtualE1000e",
          "VirtualPCNet32",
          "VirtualVmxnet",
          "VirtualVmxnet2",
          "VirtualVmxnet3",
          "VirtualVmxnet3Vrdma",
          "VirtualSriovEthernetCard");

  private NetworkCards() {}

  /**
   * The device change moving {@code template}'s first card to {@code network}, or empty when the
   * template has no card.
   */
  static Optional<String> moveFirstCard(
      VimSession s, ManagedObject template, ManagedObject network, String networkName)
      throws IOException {
    Element devices =
        s.properties(template, "config.hardware.device").get("config.hardware.device");
    if (devices == null) {
      return Optional.empty();
    }
    Optional<Element> card =
        VimXml.children(devices).stream()
            .filter(d -> CARDS.contains(VimXml.xsiType(d).orElse("")))
            .findFirst();
    if (card.isEmpty()) {
      return Optional.empty();
    }
    String backing = backing(s, network, networkName);
    StringBuilder device = new StringBuilder();
    write(card.get(), "device", Map.of("backing", backing), device);
    return Optional.of("<deviceChange><operation>edit</operation>" + device + "</deviceChange>");
  }

  private static String backing(VimSession s, ManagedObject network, String name)
      throws IOException {
    switch (network.type()) {
      case "Network":
        return "<backing xsi:type=\"VirtualEthernetCardNetworkBackingInfo\">"
            + VimXml.element("deviceName", name)
            + network.xml("network")
            + "</backing>";
      case "DistributedVirtualPortgroup":
        Map<String, Element> pg = s.properties(network, "key", "config.distributedVirtualSwitch");
        ManagedObject dvs = VimXml.reference(pg.get("config.distributedVirtualSwitch"));
        String uuid = s.properties(dvs, "uuid").get("uuid").getTextContent().strip();
        return "<backing xsi:type=\"VirtualEthernetCardDistributedVirtualPortBackingInfo\"><port>"
            + VimXml.element("switchUuid", uuid)
            + VimXml.element("portgroupKey", pg.get("key").getTextContent().strip())
            + "</port></backing>";
      default:
        throw ProviderException.permanent(
            ErrorTypes.CLONE_FAILED,
            "network '" + name + "' is a " + network.type() + ", which Corral cannot attach");
    }
  }

  /**
   * Writes {@code e} as element {@code tag} in the request's terms: its {@code xsi:type} and
   * reference {@code type} attributes, its children in order, with the children named in {@code
   * replaced} swapped for the given XML.
   */
  private static void write(
      Element e, String tag, Map<String, String> replaced, StringBuilder out) {
    out.append('<').append(tag);
    VimXml.xsiType(e)
        .ifPresent(t -> out.append(" xsi:type=\"").append(XmlText.escape(t)).append('"'));
    NamedNodeMap attributes = e.getAttributes();
    for (int i = 0; i < attributes.getLength(); i++) {
      Attr a = (Attr) attributes.item(i);
      if ("type".equals(a.getName())) {
        out.append(" type=\"").append(XmlText.escape(a.getValue())).append('"');
      }
    }
    out.append('>');
    boolean hasElements = false;
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element child) {
        hasElements = true;
        String name = VimXml.name(child);
        if (replaced.containsKey(name)) {
          out.append(replaced.get(name));
        } else {
          write(child, name, Map.of(), out);
        }
      }
    }
    if (!hasElements) {
      out.append(XmlText.escape(e.getTextContent()));
    }
    out.append("</").append(tag).append('>');
  }
}
