package dev.corral.activities.provider.vsphere.vim;

import dev.corral.activities.provider.XmlText;

/**
 * A vSphere managed object reference ({@code <tag type="VirtualMachine">vm-42</tag>}): what every
 * vim25 call names its target and arguments by.
 */
public record ManagedObject(String type, String value) {
  /** The reference as the element {@code tag} of a request. */
  public String xml(String tag) {
    return "<"
        + tag
        + " type=\""
        + XmlText.escape(type)
        + "\">"
        + XmlText.escape(value)
        + "</"
        + tag
        + ">";
  }
}
