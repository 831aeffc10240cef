package dev.corral.activities.store;

import dev.corral.activities.store.rows.FailureStreak;
import dev.corral.activities.store.rows.StateCount;
import dev.corral.activities.store.rows.VmOutcome;
import dev.corral.activities.store.rows.VmRow;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/** SQL for {@code vm}, in VmMapper.xml. State changes are compare-and-set on the current state. */
public interface VmMapper {
  int insertProvisioning(
      @Param("name") String name,
      @Param("pool") String pool,
      @Param("provider") String provider,
      @Param("template") String template,
      @Param("now") Instant now);

  VmRow selectByName(@Param("name") String name);

  /** The rows of those names that exist (names must not be empty). */
  List<VmRow> selectByNames(@Param("names") List<String> names);

  List<VmRow> selectByLease(@Param("leaseId") String leaseId);

  /** The VMs of several leases (ids must not be empty). */
  List<VmRow> selectByLeases(@Param("leaseIds") List<String> leaseIds);

  List<VmRow> list(
      @Param("pool") String pool, @Param("state") String state, @Param("limit") int limit);

  List<VmRow> selectInStates(@Param("states") List<String> states);

  /**
   * Locks and reads up to n ready VMs of a pool, oldest first, skipping rows other claims hold
   * right now.
   */
  List<VmRow> lockReady(@Param("pool") String pool, @Param("n") int n);

  /**
   * Locks and reads up to n of the VMs held for {@code owner} in the pool (state reusable), fewest
   * uses first, then the most recently released; skips rows other claims hold right now.
   */
  List<VmRow> lockReusable(
      @Param("pool") String pool, @Param("owner") String owner, @Param("n") int n);

  /**
   * Leases ready (or reusable) VMs, each as its row says ({@code id}, {@code leaseId}, {@code
   * leasedAt}, {@code updatedAt}: rows as {@link VmRow#leasedTo} made them), and counts the use.
   * {@code vms} must not be empty.
   */
  int markLeasedAll(@Param("vms") List<VmRow> vms);

  List<StateCount> countLiveByPool();

  List<StateCount> countLiveInPool(@Param("pool") String pool);

  List<StateCount> countFailedByPoolSince(@Param("since") Instant since);

  List<StateCount> countLiveOnProvider(@Param("provider") String provider);

  List<StateCount> countLiveByProvider();

  /**
   * Up to {@code n} ready VMs of the pool cloned from {@code template} (on {@code provider}, unless
   * null), oldest first, locked.
   */
  List<VmRow> lockReadyOfTemplate(
      @Param("pool") String pool,
      @Param("template") String template,
      @Param("provider") String provider,
      @Param("n") int n);

  /**
   * Up to {@code n} ready VMs of a build in {@code pools}, oldest ready first, locked; rows other
   * transactions hold are skipped. {@code pools} and {@code templates} are not empty.
   */
  List<VmRow> lockReadyOfBuild(
      @Param("pools") List<String> pools,
      @Param("templates") List<BuildTemplate> templates,
      @Param("n") int n);

  /** Ready VMs by provider, template and pool: what a lease by template could take now. */
  List<dev.corral.activities.store.rows.ReadyCount> countReadyByTemplate();

  List<String> readyNames(
      @Param("pool") String pool,
      @Param("readyBefore") Instant readyBefore,
      @Param("limit") int limit);

  List<String> namesInStates(@Param("pool") String pool, @Param("states") List<String> states);

  List<String> staleDestroying(@Param("pool") String pool, @Param("before") Instant before);

  Instant oldestReadyAt(@Param("pool") String pool);

  /** VMs of the pool that failed for good since the last VM of the pool became ready. */
  FailureStreak failureStreak(@Param("pool") String pool);

  /**
   * Moves one VM from any of {@code from} to {@code to}; returns 0 when it was not in one of them.
   */
  int transition(
      @Param("name") String name,
      @Param("from") List<String> from,
      @Param("to") String to,
      @Param("reason") String reason,
      @Param("now") Instant now);

  /**
   * Records when the provider finished the clone (the boot starts there); only while provisioning.
   */
  int markCloned(@Param("name") String name, @Param("now") Instant now);

  /**
   * Provisioning → ready, with how the VM is reached; {@code ports} as {@link
   * dev.corral.activities.store.rows.VmPorts} encodes them.
   */
  int markReady(
      @Param("name") String name,
      @Param("hostname") String hostname,
      @Param("ip") String ip,
      @Param("ports") String ports,
      @Param("now") Instant now);

  /**
   * Leased → cleaning, held for {@code owner} until {@code until}; 0 when the VM was not leased.
   */
  int markCleaning(
      @Param("name") String name,
      @Param("owner") String owner,
      @Param("until") Instant until,
      @Param("now") Instant now);

  /** Cleaning → reusable, once the cleanup hook succeeded; 0 when the VM was not cleaning. */
  int markReusable(@Param("name") String name, @Param("now") Instant now);

  /**
   * Cleaning VMs not changed since {@code cleaningBefore}, and reusable ones past {@code
   * reusableBefore}.
   */
  List<VmRow> staleReuse(
      @Param("pool") String pool,
      @Param("cleaningBefore") Instant cleaningBefore,
      @Param("reusableBefore") Instant reusableBefore);

  int markLeaseDestroying(
      @Param("leaseId") String leaseId, @Param("reason") String reason, @Param("now") Instant now);

  int recordTry(
      @Param("name") String name,
      @Param("attempts") int attempts,
      @Param("reason") String reason,
      @Param("now") Instant now);

  int markFailed(
      @Param("name") String name,
      @Param("attempts") int attempts,
      @Param("reason") String reason,
      @Param("now") Instant now);

  int markDestroyed(@Param("name") String name, @Param("now") Instant now);

  int touch(@Param("names") List<String> names, @Param("now") Instant now);

  /**
   * How the provider's most recent VM tries ended, newest first: {@code failed}, or any other state
   * for a VM that became ready. The placement skips a provider whose last few tries all failed.
   */
  List<VmOutcome> recentOutcomesOnProvider(
      @Param("provider") String provider, @Param("limit") int limit);

  /** Host names (the VM name when it has none) of the VMs leased to {@code owner} right now. */
  List<String> leasedHostnamesOfOwner(@Param("owner") String owner);
}
