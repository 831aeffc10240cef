package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimFault;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimSession.ObjectContent;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.w3c.dom.Element;

/**
 * Corral's VMs on vCenter. A VM is found by its instance UUID, which Corral sets at clone time from
 * the VM's name and the provider's base folder: one search-index call finds it wherever it is, and
 * a VM of another Corral (another base folder) or of someone else never has it. What Corral keeps
 * of a VM (its template, when it was made, the guest's version) is in its {@code corral.*} advanced
 * settings (extraConfig), which the clone writes in the same call that makes the VM.
 */
final class Vms {
  static final String TEMPLATE_KEY = "corral.template";
  static final String CREATED_KEY = "corral.created";
  static final String POOL_KEY = "corral.pool";
  static final String GUEST_VERSION_KEY = "corral.guest-version";

  private static final String[] PROPERTIES = {
    "name",
    "config.template",
    "config.extraConfig",
    "runtime.powerState",
    "guest.toolsRunningStatus",
    "guest.ipAddress",
    "guest.hostName"
  };

  /** One VM as vCenter describes it. */
  record Vm(
      ManagedObject ref,
      String name,
      boolean template,
      Map<String, String> corral,
      String powerState,
      boolean toolsRunning,
      String ip,
      String hostName) {
    boolean poweredOn() {
      return "poweredOn".equals(powerState);
    }

    /** Tools run and report an address: the guest is up as far as vCenter can tell. */
    boolean guestUp() {
      return poweredOn() && toolsRunning && ip != null && !ip.isBlank();
    }
  }

  private final String scope;
  private final Map<String, Integer> ports;

  /**
   * VMs the last listing found in Corral's folders that were not made with their derived UUID (a
   * copy made by hand, another installation's leftover): found by name so they can be destroyed.
   */
  private final Map<String, ManagedObject> listedStrays = new ConcurrentHashMap<>();

  Vms(String scope, Map<String, Integer> ports) {
    this.scope = scope;
    this.ports = ports;
  }

  /** The instance UUID Corral gives the VM called {@code vmName}. */
  String instanceUuid(String vmName) {
    return UUID.nameUUIDFromBytes(
            ("corral:" + scope + ":" + vmName).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** The VM called {@code vmName}, or empty. */
  Optional<Vm> find(VimSession s, String vmName) throws IOException {
    Element r =
        s.invoke(
            "FindByUuid",
            s.content().searchIndex(),
            VimXml.element("uuid", instanceUuid(vmName))
                + "<vmSearch>true</vmSearch><instanceUuid>true</instanceUuid>");
    Optional<ManagedObject> ref = VimXml.child(r, "returnval").map(VimXml::reference);
    if (ref.isEmpty()) {
      ref = Optional.ofNullable(listedStrays.get(vmName));
    }
    if (ref.isEmpty()) {
      return Optional.empty();
    }
    return read(s, ref.get());
  }

  /** Whether {@code ref} still names an object (one removed since it was found does not). */
  static boolean exists(VimSession s, ManagedObject ref) throws IOException {
    try {
      return !s.properties(ref, "name").isEmpty();
    } catch (VimFault f) {
      if (f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
        return false;
      }
      throw f;
    }
  }

  /** The VM behind {@code ref}, or empty when it is gone. */
  Optional<Vm> read(VimSession s, ManagedObject ref) throws IOException {
    Map<String, Element> props;
    try {
      props = s.properties(ref, PROPERTIES);
    } catch (VimFault f) {
      if (f.is(VimFault.MANAGED_OBJECT_NOT_FOUND)) {
        return Optional.empty();
      }
      throw f;
    }
    if (props.isEmpty() || !props.containsKey("name")) {
      return Optional.empty();
    }
    return Optional.of(describe(new ObjectContent(ref, props)));
  }

  /**
   * The VMs (never templates, never folders) directly in {@code folder} and, with {@code
   * withSubfolders}, directly in each of its subfolders: a base folder and its pool folders. A
   * folder inside a pool folder is not looked into.
   */
  List<Vm> list(VimSession s, ManagedObject folder, boolean withSubfolders) throws IOException {
    StringBuilder spec = new StringBuilder("<specSet><propSet><type>VirtualMachine</type>");
    for (String p : PROPERTIES) {
      spec.append(VimXml.element("pathSet", p));
    }
    spec.append("</propSet><objectSet>")
        .append(folder.xml("obj"))
        .append("<skip>true</skip><selectSet xsi:type=\"TraversalSpec\">")
        .append("<name>folder</name><type>Folder</type><path>childEntity</path><skip>false</skip>");
    if (withSubfolders) {
      spec.append(
              "<selectSet xsi:type=\"TraversalSpec\"><name>poolFolder</name><type>Folder</type>")
          .append("<path>childEntity</path><skip>false</skip></selectSet>");
    }
    spec.append("</selectSet></objectSet></specSet>");
    return s.retrieve(spec.toString()).stream()
        .filter(o -> "VirtualMachine".equals(o.object().type()))
        .map(Vms::describe)
        .filter(vm -> !vm.template())
        .toList();
  }

  /**
   * Remembers where the listing found each VM, for the ones the UUID search cannot find (strays).
   */
  void rememberListed(List<Vm> listed) {
    Map<String, ManagedObject> strays = new HashMap<>();
    for (Vm vm : listed) {
      strays.put(vm.name(), vm.ref());
    }
    listedStrays.keySet().retainAll(strays.keySet());
    listedStrays.putAll(strays);
  }

  void forget(String vmName) {
    listedStrays.remove(vmName);
  }

  ProviderVm describe(Vm vm) {
    PowerState state =
        switch (vm.powerState() == null ? "" : vm.powerState()) {
          case "poweredOn" -> vm.guestUp() ? PowerState.RUNNING : PowerState.BOOTING;
          case "poweredOff", "suspended" -> PowerState.POWERED_OFF;
          default -> PowerState.BROKEN;
        };
    return new ProviderVm(
        vm.name(),
        vm.corral().get(TEMPLATE_KEY),
        state,
        vm.guestUp() ? hostName(vm) : null,
        vm.guestUp() ? vm.ip() : null,
        created(vm),
        vm.guestUp() ? ports : Map.of());
  }

  /** The guest's own name, else the VM's: vmfloaty users ssh to what the lease reply says. */
  static String hostName(Vm vm) {
    return vm.hostName() == null || vm.hostName().isBlank() ? vm.name() : vm.hostName();
  }

  private static Instant created(Vm vm) {
    String at = vm.corral().get(CREATED_KEY);
    try {
      return at == null ? null : Instant.parse(at);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Vm describe(ObjectContent o) {
    Map<String, String> corral = new HashMap<>();
    Element extra = o.properties().get("config.extraConfig");
    if (extra != null) {
      for (Element option : VimXml.children(extra)) {
        String key = VimXml.text(option, "key").orElse("");
        if (key.startsWith("corral.")) {
          corral.put(key, VimXml.text(option, "value").orElse(""));
        }
      }
    }
    return new Vm(
        o.object(),
        o.text("name").orElse(o.object().value()),
        "true".equals(o.text("config.template").orElse("false")),
        corral,
        o.text("runtime.powerState").orElse(""),
        "guestToolsRunning".equals(o.text("guest.toolsRunningStatus").orElse("")),
        o.text("guest.ipAddress").orElse(null),
        o.text("guest.hostName").orElse(null));
  }

  /** An advanced setting for a config spec. */
  static String option(String key, String value) {
    return "<extraConfig xsi:type=\"OptionValue\">"
        + VimXml.element("key", key)
        + "<value xsi:type=\"xsd:string\">"
        + dev.corral.activities.provider.XmlText.escape(value)
        + "</value></extraConfig>";
  }
}
