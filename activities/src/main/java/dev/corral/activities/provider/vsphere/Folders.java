package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import java.io.IOException;
import java.util.List;
import org.w3c.dom.Element;

/** The folders directly inside a folder, with whether each holds anything. */
final class Folders {
  record Folder(ManagedObject ref, String name, boolean empty) {}

  private Folders() {}

  /** One property read for all of them. */
  static List<Folder> subfolders(VimSession s, ManagedObject parent) throws IOException {
    String spec =
        "<specSet><propSet><type>Folder</type><pathSet>name</pathSet><pathSet>childEntity</pathSet>"
            + "</propSet><objectSet>"
            + parent.xml("obj")
            + "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>folder</name>"
            + "<type>Folder</type><path>childEntity</path><skip>false</skip></selectSet>"
            + "</objectSet></specSet>";
    return s.retrieve(spec).stream()
        .filter(o -> "Folder".equals(o.object().type()))
        .map(
            o -> {
              Element children = o.properties().get("childEntity");
              return new Folder(
                  o.object(),
                  o.text("name").orElse(o.object().value()),
                  children == null || VimXml.children(children).isEmpty());
            })
        .toList();
  }
}
