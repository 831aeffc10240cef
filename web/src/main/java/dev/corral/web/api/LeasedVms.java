package dev.corral.web.api;

import dev.corral.activities.store.Db;
import dev.corral.activities.store.LeaseStore;
import dev.corral.activities.store.VmMapper;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmStates;
import dev.corral.web.auth.Caller;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One VM and the lease that holds it, for APIs that address VMs by host name (vmpooler's {@code
 * vm/<host>}): look it up, change its lease's terms, give it back. Ownership is checked here.
 */
public final class LeasedVms {
  /**
   * A host as a client may write it: a VM name, or a fully qualified name whose first label is one.
   */
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}(\\.[A-Za-z0-9-]{1,63}){0,10}");

  /** A VM and, when it is or was leased, its lease. */
  public record Found(VmRow vm, LeaseStore.Lease lease) {}

  private final Db db;
  private final LeaseStore leases;
  private final LeaseService leaseService;
  private final VmRetirements retirements;
  private final Clock clock;

  public LeasedVms(
      Db db, LeaseStore leases, LeaseService leaseService, VmRetirements retirements, Clock clock) {
    this.db = db;
    this.leases = leases;
    this.leaseService = leaseService;
    this.retirements = retirements;
    this.clock = clock;
  }

  /**
   * The VM a host names (its name, or an FQDN whose first label is its name); 400 for a malformed
   * host.
   */
  public Optional<Found> find(String host) {
    if (host == null || host.length() > 255 || !HOST.matcher(host).matches()) {
      throw ApiException.badRequest(
          "not a host name: a VM name or a fully qualified name is expected",
          Map.of("host", ApiException.clip(host)));
    }
    VmRow vm =
        db.inTransaction(
            session -> {
              VmMapper vms = session.getMapper(VmMapper.class);
              VmRow byName = vms.selectByName(host);
              int dot = host.indexOf('.');
              return byName != null || dot < 0 ? byName : vms.selectByName(host.substring(0, dot));
            });
    if (vm == null) {
      return Optional.empty();
    }
    LeaseStore.Lease lease = vm.leaseId() == null ? null : leases.find(vm.leaseId()).orElse(null);
    return Optional.of(new Found(vm, lease));
  }

  /**
   * Lifetime (from the lease's start) and/or tags of the VM's lease; 404 unless the VM is leased.
   */
  public void update(Caller caller, String host, Duration lifetime, Map<String, Object> tags) {
    Found found = leased(host);
    LeaseService.authorize(caller, found.lease().lease().owner(), "VM");
    leaseService.changeTerms(caller, found.lease(), lifetime, tags, "tags");
  }

  /**
   * Gives the VM back (it is destroyed); its lease ends when it holds no other VM. 404 unless
   * leased.
   */
  public void release(Caller caller, String host) {
    Found found = leased(host);
    LeaseService.authorize(caller, found.lease().lease().owner(), "VM");
    LeaseStore.Lease lease =
        leases
            .releaseVm(found.vm().name(), "released by request", clock.instant())
            .orElseThrow(() -> notLeased(host));
    List<VmRow> mine =
        lease.vms().stream().filter(v -> v.name().equals(found.vm().name())).toList();
    retirements.retireAll(mine, "released by request");
  }

  /**
   * The leased VM a host names, when {@code caller} may act on it: 404 unless it is leased, 401 for
   * an anonymous caller and 403 for another user when its lease has an owner.
   */
  public Found manageable(Caller caller, String host) {
    Found found = leased(host);
    LeaseService.authorize(caller, found.lease().lease().owner(), "VM");
    return found;
  }

  private Found leased(String host) {
    Found found = find(host).orElseThrow(() -> notLeased(host));
    if (!found.vm().state().equals(VmStates.LEASED) || found.lease() == null) {
      throw notLeased(host);
    }
    return found;
  }

  static ApiException notLeased(String host) {
    return ApiException.notFound(
        "vm_not_leased",
        "no leased VM named " + ApiException.clip(host),
        Map.of("host", ApiException.clip(host)));
  }
}
