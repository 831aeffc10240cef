package dev.corral.activities.provider.libvirt;

import dev.corral.activities.provider.ProviderVm;
import dev.corral.activities.provider.ProviderVm.PowerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The domains of one provider on its host: those whose Corral metadata names the provider's scope.
 * A domain without that metadata, or of another scope, is never listed, changed or destroyed,
 * whatever its name: the host may run other people's VMs, or another Corral's.
 */
final class Domains {
  private static final Logger log = LoggerFactory.getLogger(Domains.class);

  /** VM names become domain and volume names and fw_cfg strings. */
  private static final Pattern VM_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  /** One of the provider's domains and what its metadata says. */
  record Vm(Domain domain, VmMetadata metadata, boolean active) {}

  private final String scope;
  private final LibvirtSettings settings;

  Domains(String scope, LibvirtSettings settings) {
    this.scope = scope;
    this.settings = settings;
  }

  String scope() {
    return scope;
  }

  static boolean validVmName(String vmName) {
    return vmName != null && VM_NAME.matcher(vmName).matches();
  }

  /** The domain of that name, whoever owns it, or empty. */
  static Optional<Domain> lookup(Connect c, String vmName) throws LibvirtException {
    try {
      return Optional.of(c.domainLookupByName(vmName));
    } catch (LibvirtException e) {
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Corral's metadata of the domain, when it has metadata this provider's scope wrote. */
  Optional<VmMetadata> metadata(Domain domain) throws LibvirtException {
    String xml;
    try {
      xml = domain.getMetadata(Domain.MetadataType.ELEMENT, VmMetadata.NAMESPACE, 0);
    } catch (LibvirtException e) {
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA)
          || LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return Optional.empty();
      }
      throw e;
    }
    return VmMetadata.parse(xml).filter(m -> scope.equals(m.scope()));
  }

  /** The provider's VM of that name, or empty when there is none (or the domain is not ours). */
  Optional<Vm> find(Connect c, String vmName) throws LibvirtException {
    if (!validVmName(vmName)) {
      return Optional.empty();
    }
    Optional<Domain> domain = lookup(c, vmName);
    if (domain.isEmpty()) {
      return Optional.empty();
    }
    try {
      Optional<VmMetadata> meta = metadata(domain.get());
      if (meta.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Vm(domain.get(), meta.get(), active(domain.get())));
    } catch (LibvirtException e) {
      // Undefined between the lookup and the reads: gone, as far as any caller is concerned.
      if (LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Every domain of the provider's scope, running or not. */
  List<ProviderVm> inventory(Connect c) throws LibvirtException {
    List<ProviderVm> out = new ArrayList<>();
    for (Domain domain : c.listAllDomains(0)) {
      try {
        String name = domain.getName();
        if (!validVmName(name)) {
          continue;
        }
        Optional<VmMetadata> meta = metadata(domain);
        if (meta.isPresent()) {
          out.add(describe(name, meta.get(), active(domain)));
        }
      } catch (LibvirtException e) {
        if (!LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
          throw e;
        }
      }
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  ProviderVm describe(String vmName, VmMetadata meta, boolean active) {
    PowerState state;
    if (active) {
      state = meta.ready() ? PowerState.RUNNING : PowerState.BOOTING;
    } else {
      // A VM that stopped without the chain powering it off crashed, panicked or was shut down
      // behind Corral's back: only good for destroying.
      state = meta.poweredOff() ? PowerState.POWERED_OFF : PowerState.BROKEN;
    }
    return new ProviderVm(
        vmName,
        meta.template(),
        state,
        vmName,
        settings.userNetwork() ? Addresses.LOOPBACK : meta.ip(),
        meta.createdAt(),
        settings.userNetwork() ? meta.ports() : Map.of());
  }

  ProviderVm describe(Vm vm) throws LibvirtException {
    return describe(vm.domain().getName(), vm.metadata(), vm.active());
  }

  /**
   * Rewrites the metadata of a running domain in its live and its persistent definition, of a
   * stopped one in its definition.
   */
  void writeMetadata(Domain domain, VmMetadata meta, boolean active) throws LibvirtException {
    int flags =
        active
            ? Domain.ModificationImpact.LIVE | Domain.ModificationImpact.CONFIG
            : Domain.ModificationImpact.CONFIG;
    domain.setMetadata(
        Domain.MetadataType.ELEMENT,
        meta.toXml(false),
        VmMetadata.PREFIX,
        VmMetadata.NAMESPACE,
        flags);
  }

  /** Stops (hard) and undefines one of the provider's domains; one that is already gone is fine. */
  static void remove(Domain domain) throws LibvirtException {
    try {
      if (active(domain)) {
        domain.destroy();
      }
    } catch (LibvirtException e) {
      // It stopped between the check and the destroy.
      if (!LibvirtConnection.is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID)
          && !LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        throw e;
      }
    }
    try {
      domain.undefine(Domain.UndefineFlags.MANAGED_SAVE | Domain.UndefineFlags.SNAPSHOTS_METADATA);
    } catch (LibvirtException e) {
      if (!LibvirtConnection.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
        throw e;
      }
      log.debug("undefine: domain already gone");
    }
  }

  static boolean active(Domain domain) throws LibvirtException {
    DomainState state = domain.getInfo().state;
    return state != DomainState.VIR_DOMAIN_SHUTOFF && state != DomainState.VIR_DOMAIN_CRASHED;
  }
}
