package dev.corral.activities.provider.vsphere.vim;

import dev.corral.activities.provider.XmlText;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Reading and writing the XML of vim25. Parsing is namespace-aware and by local name only: servers
 * differ in prefixes (the simulator writes {@code XMLSchema-instance:type}), and elements or fields
 * a newer vCenter adds are simply never looked at, so they cannot break anything.
 */
public final class VimXml {
  public static final String SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/";
  public static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";
  public static final String VIM = "urn:vim25";

  private VimXml() {}

  /** An element {@code <tag>text</tag>}, text escaped. */
  public static String element(String tag, String text) {
    return "<" + tag + ">" + XmlText.escape(text) + "</" + tag + ">";
  }

  static Document parse(byte[] xml) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setNamespaceAware(true);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    } catch (Exception e) {
      throw new VimFault(
          "UnreadableReply",
          "not vim25 XML: "
              + e.getMessage()
              + ": "
              + new String(xml, 0, Math.min(xml.length, 200), StandardCharsets.UTF_8));
    }
  }

  /** The element children of {@code parent}, in order. */
  public static List<Element> children(Element parent) {
    List<Element> out = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e) {
        out.add(e);
      }
    }
    return out;
  }

  /** The element children of {@code parent} called {@code localName}. */
  public static List<Element> children(Element parent, String localName) {
    return children(parent).stream().filter(e -> localName.equals(name(e))).toList();
  }

  public static Optional<Element> child(Element parent, String localName) {
    return children(parent, localName).stream().findFirst();
  }

  /** The text of the first child called {@code localName}, or empty. */
  public static Optional<String> text(Element parent, String localName) {
    return child(parent, localName).map(e -> e.getTextContent().strip());
  }

  /** The element's name without its prefix. */
  public static String name(Element e) {
    return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
  }

  /** The element's {@code xsi:type}, whatever prefix the server gave the namespace, or empty. */
  public static Optional<String> xsiType(Element e) {
    String type = e.getAttributeNS(XSI, "type");
    if (type.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(type.substring(type.indexOf(':') + 1));
  }

  /** The managed object reference an element holds ({@code type} attribute and text). */
  public static ManagedObject reference(Element e) {
    return new ManagedObject(e.getAttribute("type"), e.getTextContent().strip());
  }
}
