package dev.corral.activities.provider.vsphere;

import dev.corral.activities.provider.vsphere.vim.ManagedObject;
import dev.corral.activities.provider.vsphere.vim.VimSession;
import dev.corral.activities.provider.vsphere.vim.VimSession.ObjectContent;
import dev.corral.activities.provider.vsphere.vim.VimXml;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * The host of a cluster a clone goes to: the one with the lowest CPU and memory use by its quick
 * stats, among hosts that are connected, not in maintenance and report no config issue. A host
 * whose quick stats are missing (vCenter omits them while it cannot reach the host, and an omitted
 * usage is not a usage of zero) is never taken for an idle one. With no such host, vCenter places
 * the clone itself (DRS).
 */
final class HostChoice {
  /** One host as its properties describe it; usage in percent, NaN when unknown. */
  record Host(ManagedObject host, String name, double cpuPercent, double memoryPercent) {
    double load() {
      return cpuPercent + memoryPercent;
    }
  }

  private static final String[] PROPERTIES = {
    "name",
    "configIssue",
    "runtime.connectionState",
    "runtime.inMaintenanceMode",
    "summary.quickStats.overallCpuUsage",
    "summary.quickStats.overallMemoryUsage",
    "summary.hardware.cpuMhz",
    "summary.hardware.numCpuCores",
    "summary.hardware.memorySize"
  };

  private HostChoice() {}

  /** The least used healthy host of {@code cluster}, or empty to let vCenter choose. */
  static Optional<Host> of(VimSession s, ManagedObject cluster) throws IOException {
    return candidates(s, cluster).stream().min(Comparator.comparingDouble(Host::load));
  }

  /** The cluster's hosts that may take a clone, with their use; one property read for them all. */
  static List<Host> candidates(VimSession s, ManagedObject cluster) throws IOException {
    StringBuilder spec = new StringBuilder("<specSet><propSet><type>HostSystem</type>");
    for (String p : PROPERTIES) {
      spec.append(VimXml.element("pathSet", p));
    }
    spec.append("</propSet><objectSet>")
        .append(cluster.xml("obj"))
        .append("<skip>true</skip><selectSet xsi:type=\"TraversalSpec\">")
        .append("<type>ComputeResource</type><path>host</path><skip>false</skip>")
        .append("</selectSet></objectSet></specSet>");
    return s.retrieve(spec.toString()).stream()
        .filter(o -> "HostSystem".equals(o.object().type()))
        .map(HostChoice::describe)
        .flatMap(Optional::stream)
        .toList();
  }

  /** The host, or empty when it must not take clones now. */
  private static Optional<Host> describe(ObjectContent o) {
    Element issues = o.properties().get("configIssue");
    if (issues != null && !VimXml.children(issues).isEmpty()) {
      return Optional.empty();
    }
    if (!"connected".equals(o.text("runtime.connectionState").orElse(""))
        || "true".equals(o.text("runtime.inMaintenanceMode").orElse("false"))) {
      return Optional.empty();
    }
    Optional<Double> cpu = number(o, "summary.quickStats.overallCpuUsage");
    Optional<Double> mem = number(o, "summary.quickStats.overallMemoryUsage");
    Optional<Double> mhz = number(o, "summary.hardware.cpuMhz");
    Optional<Double> cores = number(o, "summary.hardware.numCpuCores");
    Optional<Double> bytes = number(o, "summary.hardware.memorySize");
    if (cpu.isEmpty() || mem.isEmpty() || mhz.isEmpty() || cores.isEmpty() || bytes.isEmpty()) {
      return Optional.empty();
    }
    double cpuPercent = 100 * cpu.get() / (mhz.get() * cores.get());
    double memoryPercent = 100 * mem.get() / (bytes.get() / (1024 * 1024));
    return Optional.of(
        new Host(o.object(), o.text("name").orElse(o.object().value()), cpuPercent, memoryPercent));
  }

  private static Optional<Double> number(ObjectContent o, String path) {
    try {
      return o.text(path).map(Double::parseDouble).filter(d -> d > 0);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
