package dev.corral.web.api;

import dev.corral.activities.provider.ProviderRegistry;
import dev.corral.activities.store.VmTaskStore;
import dev.corral.activities.store.rows.LeaseRow;
import dev.corral.activities.store.rows.VmRow;
import dev.corral.activities.store.rows.VmTaskRow;
import dev.corral.activities.temporal.VmTasks;
import dev.corral.web.auth.Caller;
import dev.corral.web.auth.TokenGenerator;
import dev.corral.workflows.model.VmTaskKinds;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Snapshots, reverts and extra disks on leased VMs: checks who may ask, queues the task in the
 * database and has its workflow started off the request thread, so a request never waits on
 * Temporal or the provider. Only the lease's owner or an admin may ask (401/403); a VM that is not
 * leased is a 404.
 */
public final class VmTaskService {
  public static final int MAX_DISK_GB = 2048;

  /**
   * What vmpooler's {@code GET vm/<host>} lists: ids of done snapshots, sizes of done disks in GB.
   */
  public record Done(List<String> snapshots, List<Integer> disksGb) {}

  private final LeasedVms vms;
  private final VmTaskStore store;
  private final VmTasks workflows;
  private final ProviderRegistry providers;
  private final Clock clock;

  /** vmpooler makes snapshot ids the way it makes tokens: 32 characters, [a-y][a-z0-9]{31}. */
  private final TokenGenerator ids = new TokenGenerator();

  public VmTaskService(
      LeasedVms vms,
      VmTaskStore store,
      VmTasks workflows,
      ProviderRegistry providers,
      Clock clock) {
    this.vms = vms;
    this.store = store;
    this.workflows = workflows;
    this.providers = providers;
    this.clock = clock;
  }

  /** Queues a snapshot; its id is the task's id. */
  public VmTaskRow snapshot(Caller caller, String host) {
    return request(caller, host, VmTaskKinds.SNAPSHOT, null);
  }

  /**
   * Queues a revert to one of the VM's snapshots (done, or asked for earlier); 404 for any other
   * id.
   */
  public VmTaskRow revert(Caller caller, String host, String snapshotId) {
    return request(caller, host, VmTaskKinds.REVERT, snapshotId);
  }

  /** Queues a new disk of {@code sizeGb} GB (1 to {@link #MAX_DISK_GB}, else 400). */
  public VmTaskRow addDisk(Caller caller, String host, int sizeGb) {
    if (sizeGb < 1 || sizeGb > MAX_DISK_GB) {
      throw diskSizeError(String.valueOf(sizeGb));
    }
    return request(caller, host, VmTaskKinds.DISK, String.valueOf(sizeGb));
  }

  /**
   * A disk size as written in a path: a whole number of GB from 1 to {@link #MAX_DISK_GB}, else
   * 400.
   */
  public static int diskSize(String text) {
    if (text == null || !text.matches("[0-9]{1,5}")) {
      throw diskSizeError(text);
    }
    int size = Integer.parseInt(text);
    if (size < 1 || size > MAX_DISK_GB) {
      throw diskSizeError(text);
    }
    return size;
  }

  private static ApiException diskSizeError(String text) {
    return ApiException.badRequest(
        "the disk size must be a whole number of GB from 1 to "
            + MAX_DISK_GB
            + " (got '"
            + ApiException.clip(text)
            + "')",
        Map.of("field", "size_gb", "maximum", MAX_DISK_GB));
  }

  /** The VM's done snapshots and disks, in the order asked. */
  public Done done(String vm) {
    List<VmTaskRow> done =
        store.ofVm(vm).stream().filter(t -> VmTaskRow.DONE.equals(t.state())).toList();
    return new Done(
        done.stream()
            .filter(t -> VmTaskKinds.SNAPSHOT.equals(t.kind()))
            .map(VmTaskRow::id)
            .toList(),
        done.stream()
            .filter(t -> VmTaskKinds.DISK.equals(t.kind()))
            .map(VmTaskRow::sizeGb)
            .toList());
  }

  private VmTaskRow request(Caller caller, String host, String kind, String argument) {
    LeasedVms.Found found = vms.manageable(caller, host);
    if (!LeaseRow.ACTIVE.equals(found.lease().lease().state())) {
      // A pending lease holds VMs it has not handed over yet.
      throw LeasedVms.notLeased(host);
    }
    refuseUnsupported(found.vm(), kind);
    VmTaskRow task;
    try {
      task =
          store.create(
              VmTaskRow.queued(
                  ids.next(),
                  found.vm().name(),
                  found.lease().lease().id(),
                  kind,
                  argument,
                  caller.user(),
                  clock.instant()));
    } catch (VmTaskStore.RefusedException e) {
      if (e.why() == VmTaskStore.RefusedException.Why.UNKNOWN_SNAPSHOT) {
        throw ApiException.notFound(
            "unknown_snapshot",
            "vm " + found.vm().name() + " has no snapshot " + ApiException.clip(argument),
            Map.of("vm", found.vm().name(), "snapshot", ApiException.clip(argument)));
      }
      throw LeasedVms.notLeased(host);
    }
    workflows.startLater(task.id());
    return task;
  }

  /**
   * A task the VM's provider cannot run (a container has no snapshots) is refused when asked for,
   * naming the provider's limit, rather than accepted and failed later.
   */
  private void refuseUnsupported(VmRow vm, String kind) {
    if (!providers.contains(vm.provider())) {
      return; // a provider gone from the config: the task fails in its workflow, saying so
    }
    providers
        .get(vm.provider())
        .features()
        .limit(kind)
        .ifPresent(
            limit -> {
              throw new ApiException(
                  409,
                  "unsupported_task",
                  "vm "
                      + vm.name()
                      + " runs on provider "
                      + vm.provider()
                      + ", which does not support "
                      + KIND_NAMES.get(kind)
                      + ": "
                      + limit,
                  Map.of("vm", vm.name(), "provider", vm.provider(), "task", kind, "limit", limit));
            });
  }

  /** What each task is called in a refusal. */
  private static final Map<String, String> KIND_NAMES =
      Map.of(
          VmTaskKinds.SNAPSHOT, "snapshots",
          VmTaskKinds.REVERT, "reverting to a snapshot",
          VmTaskKinds.DISK, "adding disks");
}
