package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.XmlText;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Corral's element in a domain's {@code <metadata>}: the mark of the domains Corral owns (reconcile
 * and purge consider no other) and what the provider must remember of a VM across Corral and
 * libvirtd restarts, since the domain is its whole state.
 *
 * @param scope whose VM it is; a provider only ever touches domains of its own scope
 * @param template the template it was cloned from
 * @param ports the loopback host ports forwarded to the guest, by name (user-mode networking)
 * @param ip the guest's address once readiness found it (libvirt networks and bridges)
 * @param guestVersion the version the guest reported at deploy (build VMs)
 * @param ready the guest was ready once: a running VM is RUNNING rather than BOOTING
 * @param poweredOff the chain powered it off on purpose: shut off, it is POWERED_OFF, not BROKEN
 */
record VmMetadata(
    String scope,
    String template,
    Instant createdAt,
    Map<String, Integer> ports,
    String ip,
    String guestVersion,
    boolean ready,
    boolean poweredOff) {

  /** The element's namespace: libvirt keeps one metadata element per namespace and domain. */
  static final String NAMESPACE = "https://corral.dev/xmlns/libvirt/vm/1";

  static final String PREFIX = "corral";

  VmMetadata {
    ports = ports == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(ports));
  }

  VmMetadata withIp(String newIp) {
    return new VmMetadata(scope, template, createdAt, ports, newIp, guestVersion, true, poweredOff);
  }

  VmMetadata asReady() {
    return new VmMetadata(scope, template, createdAt, ports, ip, guestVersion, true, poweredOff);
  }

  VmMetadata withGuestVersion(String version) {
    return new VmMetadata(scope, template, createdAt, ports, ip, version, ready, poweredOff);
  }

  VmMetadata asPoweredOff() {
    return new VmMetadata(scope, template, createdAt, ports, ip, guestVersion, ready, true);
  }

  /**
   * The element as {@code virDomainSetMetadata} takes it (libvirt adds the namespace) and as the
   * domain XML embeds it.
   */
  String toXml(boolean withNamespace) {
    StringBuilder x = new StringBuilder();
    x.append('<')
        .append(withNamespace ? PREFIX + ":vm xmlns:" + PREFIX + "='" + NAMESPACE + "'" : "vm");
    x.append('>');
    String p = withNamespace ? PREFIX + ":" : "";
    element(x, p, "scope", scope);
    element(x, p, "template", template);
    element(x, p, "created", createdAt == null ? null : createdAt.toString());
    for (Map.Entry<String, Integer> port : ports.entrySet()) {
      x.append('<')
          .append(p)
          .append("port name='")
          .append(XmlText.escape(port.getKey()))
          .append("' host='")
          .append(port.getValue())
          .append("'/>");
    }
    element(x, p, "ip", ip);
    element(x, p, "guest-version", guestVersion);
    if (ready) {
      element(x, p, "ready", "true");
    }
    if (poweredOff) {
      element(x, p, "powered-off", "true");
    }
    x.append("</").append(withNamespace ? PREFIX + ":vm" : "vm").append('>');
    return x.toString();
  }

  private static void element(StringBuilder x, String prefix, String name, String value) {
    if (value != null) {
      x.append('<').append(prefix).append(name).append('>');
      x.append(XmlText.escape(value));
      x.append("</").append(prefix).append(name).append('>');
    }
  }

  /**
   * Reads the element as {@code virDomainGetMetadata} returns it. One that does not parse is not
   * Corral's: a domain is only ever touched on the word of metadata Corral can read.
   */
  static Optional<VmMetadata> parse(String xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Element root =
          f.newDocumentBuilder()
              .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
              .getDocumentElement();
      String scope = text(root, "scope");
      if (scope == null) {
        return Optional.empty();
      }
      Map<String, Integer> ports = new LinkedHashMap<>();
      NodeList children = root.getChildNodes();
      for (int i = 0; i < children.getLength(); i++) {
        Node n = children.item(i);
        if (n instanceof Element e && "port".equals(localName(e))) {
          ports.put(e.getAttribute("name"), Integer.parseInt(e.getAttribute("host")));
        }
      }
      String created = text(root, "created");
      return Optional.of(
          new VmMetadata(
              scope,
              text(root, "template"),
              created == null ? null : Instant.parse(created),
              ports,
              text(root, "ip"),
              text(root, "guest-version"),
              "true".equals(text(root, "ready")),
              "true".equals(text(root, "powered-off"))));
    } catch (Exception e) {
      // Unparseable XML, a bad port or date: not metadata Corral wrote.
      return Optional.empty();
    }
  }

  private static String text(Element root, String name) {
    NodeList children = root.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      Node n = children.item(i);
      if (n instanceof Element e) {
        if (name.equals(localName(e))) {
          return e.getTextContent().strip();
        }
      }
    }
    return null;
  }

  /** The name without a prefix: libvirt hands the element back with or without one. */
  private static String localName(Element e) {
    String tag = e.getTagName();
    return tag.substring(tag.indexOf(':') + 1);
  }
}
